import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  SagaSchema,
  SagaStatus,
  SagaStepRecordSchema,
  SagaStepStatus,
  SagaTransition_Kind as Kind,
  type Saga,
  type SagaStepRecord,
  type SagaTransition,
} from '../../gen/mesh/v1/saga_pb.js';

/** TERMINAL_SAGA_STATUSES are the statuses a saga stays in unless resumed. */
export const TERMINAL_SAGA_STATUSES: ReadonlySet<SagaStatus> = new Set([SagaStatus.COMPLETED, SagaStatus.COMPENSATED, SagaStatus.FAILED]);

/** isSagaFinished says whether a saga reached COMPLETED, COMPENSATED or FAILED. */
export function isSagaFinished(saga: Saga): boolean {
  return TERMINAL_SAGA_STATUSES.has(saga.status);
}

function stepAt(steps: SagaStepRecord[], transition: SagaTransition): SagaStepRecord[] {
  const next = [...steps];
  for (let index = next.length; index <= transition.stepIndex; index++) {
    next.push(create(SagaStepRecordSchema, { index, status: SagaStepStatus.PENDING }));
  }
  return next;
}

function withStep(saga: Saga, transition: SagaTransition, change: (step: SagaStepRecord, at: Timestamp | undefined) => Partial<SagaStepRecord>): Saga {
  const steps = stepAt(saga.steps, transition);
  const current = steps[transition.stepIndex]!;
  steps[transition.stepIndex] = create(SagaStepRecordSchema, { ...current, name: transition.stepName, ...change(current, transition.at) });
  return create(SagaSchema, { ...saga, steps, updatedAt: transition.at });
}

/**
 * applySagaTransition folds one transition into a saga snapshot (undefined
 * before STARTED). It is the only place state changes, for the coordinator
 * and for rebuilds alike, so folding the history gives the snapshots the
 * coordinator wrote. Step records appear as their steps start.
 */
export function applySagaTransition(saga: Saga | undefined, transition: SagaTransition): Saga {
  if (transition.kind === Kind.STARTED || saga === undefined) {
    return create(SagaSchema, {
      sagaId: transition.sagaId,
      name: transition.name,
      definitionVersion: transition.definitionVersion,
      status: SagaStatus.RUNNING,
      input: transition.output,
      startedAt: transition.at,
      updatedAt: transition.at,
    });
  }
  switch (transition.kind) {
    case Kind.STEP_STARTED:
      return create(SagaSchema, {
        ...withStep(saga, transition, (step, at) => ({ status: SagaStepStatus.RUNNING, attempts: transition.attempt, startedAt: step.startedAt ?? at, error: step.error })),
        currentStep: transition.stepIndex,
      });
    case Kind.STEP_COMPLETED:
      return withStep(saga, transition, (_step, at) => ({ status: SagaStepStatus.COMPLETED, output: transition.output, error: '', completedAt: at }));
    case Kind.STEP_FAILED:
      return withStep(saga, transition, () => ({ status: SagaStepStatus.FAILED, error: transition.error }));
    case Kind.COMPENSATING:
      return create(SagaSchema, { ...saga, status: SagaStatus.COMPENSATING, error: transition.error, finishedAt: undefined, updatedAt: transition.at });
    case Kind.STEP_COMPENSATED:
      return create(SagaSchema, {
        ...withStep(saga, transition, (_step, at) => ({ status: SagaStepStatus.COMPENSATED, error: '', compensatedAt: at })),
        currentStep: transition.stepIndex,
      });
    case Kind.COMPENSATED:
      return create(SagaSchema, { ...saga, status: SagaStatus.COMPENSATED, finishedAt: transition.at, updatedAt: transition.at });
    case Kind.COMPLETED:
      return create(SagaSchema, { ...saga, status: SagaStatus.COMPLETED, finishedAt: transition.at, updatedAt: transition.at });
    case Kind.FAILED: {
      // A FAILED saga names the step whose compensation could not finish: that step stays COMPENSATING.
      const failed = transition.stepName === '' ? saga : withStep(saga, transition, () => ({ status: SagaStepStatus.COMPENSATING, error: transition.error }));
      return create(SagaSchema, { ...failed, status: SagaStatus.FAILED, error: transition.error, currentStep: transition.stepIndex, finishedAt: transition.at, updatedAt: transition.at });
    }
    default:
      return saga;
  }
}

/** foldSagaHistory rebuilds snapshots from transitions (any order of sagas, each saga's in sequence order), dropping repeats. */
export function foldSagaHistory(transitions: Iterable<SagaTransition>): Map<string, { saga: Saga; sequence: bigint }> {
  const sagas = new Map<string, { saga: Saga; sequence: bigint }>();
  for (const transition of transitions) {
    const known = sagas.get(transition.sagaId);
    if (known && transition.sequence <= known.sequence) continue;
    sagas.set(transition.sagaId, { saga: applySagaTransition(known?.saga, transition), sequence: transition.sequence });
  }
  return sagas;
}

/** timestampOf converts epoch milliseconds to a Timestamp. */
export function timestampOf(ms: number): Timestamp {
  return timestampFromMs(ms);
}

/** msOf converts a Timestamp to epoch milliseconds (0 when unset). */
export function msOf(timestamp: Timestamp | undefined): number {
  return timestamp ? timestampMs(timestamp) : 0;
}
