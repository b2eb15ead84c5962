import { SagaStepStatus, type Saga } from '../../gen/mesh/v1/saga_pb.js';
import type { AnySagaDefinition } from './saga-definition.js';

/**
 * inDoubtStep returns the step that may have run although the saga log has
 * no record of it, or undefined. A pipelined log lags the effects by at most
 * one step, so only the step right after the last step with a record can be
 * such a step, and only when that last step did not end for sure (RUNNING,
 * or FAILED, which an unknown outcome of a step without compensation also
 * gives). It matters only if it has a compensation (its effect must be undone
 * when the saga compensates) and if neither it nor the step before it is
 * declared write-ahead (then it is never called before its STEP_STARTED is
 * durable). The coordinator's own log mode is not consulted on purpose: the
 * process that wrote the log may have run in another mode.
 */
export function inDoubtStep(saga: Saga, definition: AnySagaDefinition): number | undefined {
  let last = saga.steps.length - 1;
  while (last >= 0 && saga.steps[last]!.status === SagaStepStatus.PENDING) last--;
  if (last < 0) return undefined;
  const status = saga.steps[last]!.status;
  if (status !== SagaStepStatus.RUNNING && status !== SagaStepStatus.FAILED) return undefined;
  const next = definition.steps[last + 1];
  if (!next?.compensate) return undefined;
  if (next.logMode === 'write-ahead' || definition.steps[last]?.logMode === 'write-ahead') return undefined;
  return last + 1;
}
