import { timestampDate } from '@bufbuild/protobuf/wkt';
import { SagaStatus, SagaStepStatus, SagaTransition_Kind, type Saga, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';

/** SagaRow is a saga snapshot as `mesh sagas list` prints it. */
export interface SagaRow {
  sagaId: string;
  name: string;
  version: number;
  status: string;
  step: string;
  startedAt: string | undefined;
  error: string;
}

/** SagaHistoryRow is one transition as `mesh sagas show` prints it. */
export interface SagaHistoryRow {
  sequence: string;
  at: string | undefined;
  kind: string;
  step: string;
  attempt: number;
  error: string;
}

/** sagaRow describes a snapshot for printing. */
export function sagaRow(saga: Saga): SagaRow {
  return {
    sagaId: saga.sagaId,
    name: saga.name,
    version: saga.definitionVersion,
    status: SagaStatus[saga.status],
    step: saga.steps[saga.currentStep]?.name ?? '-',
    startedAt: saga.startedAt ? timestampDate(saga.startedAt).toISOString() : undefined,
    error: saga.error,
  };
}

/** sagaHistoryRow describes a transition for printing. */
export function sagaHistoryRow(transition: SagaTransition): SagaHistoryRow {
  return {
    sequence: transition.sequence.toString(),
    at: transition.at ? timestampDate(transition.at).toISOString() : undefined,
    kind: SagaTransition_Kind[transition.kind],
    step: transition.stepName,
    attempt: transition.attempt,
    error: transition.error,
  };
}

/** parseSagaStatus reads a status name (`failed`, `COMPLETED`) into a SagaStatus, undefined when it names none. */
export function parseSagaStatus(value: string): SagaStatus | undefined {
  const status = (SagaStatus as unknown as Record<string, SagaStatus | undefined>)[value.toUpperCase()];
  return typeof status === 'number' && status !== SagaStatus.UNSPECIFIED ? status : undefined;
}

/** sagaStepStatusName gives a step status's name (COMPLETED, COMPENSATED...). */
export function sagaStepStatusName(status: SagaStepStatus): string {
  return SagaStepStatus[status] ?? String(status);
}
