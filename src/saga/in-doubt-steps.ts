import { SagaStatus, SagaStepStatus, type Saga } from '../../gen/mesh/v1/saga_pb.js';
import { inDoubtStep } from './in-doubt-step.js';
import type { AnySagaDefinition } from './saga-definition.js';

/** InDoubtSteps are the steps `from`..`to` that may have run although the saga log has no record of them. */
export interface InDoubtSteps {
  from: number;
  /** to is the last of them that has a compensation (later ones need no resolving: nothing of theirs is undone). */
  to: number;
}

/**
 * inDoubtSteps returns the steps that may have run without a record. A log
 * written ahead or pipelined lags by at most one step (inDoubtStep). A log
 * written in background mode (`ranAhead`, the `saga-ran-ahead` header) may
 * lag by any number of steps while the saga runs forward: every step after
 * the last one with a record may have run, up to the first step declared
 * write-ahead or following one (those are never called before their
 * STEP_STARTED is durable). Once a saga compensates, everything it ran is in
 * the log (COMPENSATING is written ahead of the first compensation, with
 * every transition before it), so the one-step rule applies again.
 */
export function inDoubtSteps(saga: Saga, definition: AnySagaDefinition, ranAhead: boolean): InDoubtSteps | undefined {
  if (!ranAhead || saga.status === SagaStatus.COMPENSATING || saga.status === SagaStatus.FAILED) {
    const one = inDoubtStep(saga, definition);
    return one === undefined ? undefined : { from: one, to: one };
  }
  let last = saga.steps.length - 1;
  while (last >= 0 && saga.steps[last]!.status === SagaStepStatus.PENDING) last--;
  if (last >= 0) {
    const status = saga.steps[last]!.status;
    if (status !== SagaStepStatus.RUNNING && status !== SagaStepStatus.FAILED && status !== SagaStepStatus.COMPLETED) return undefined;
  }
  let to: number | undefined;
  for (let index = last + 1; index < definition.steps.length; index++) {
    const step = definition.steps[index]!;
    if (step.logMode === 'write-ahead' || definition.steps[index - 1]?.logMode === 'write-ahead') break;
    if (step.compensate) to = index;
  }
  return to === undefined ? undefined : { from: last + 1, to };
}
