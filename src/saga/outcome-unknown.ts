import { Code, ConnectError } from '@connectrpc/connect';
import { SagaError } from './saga-error.js';

/** OUTCOME_UNKNOWN_CODES are the RPC errors after which a call may or may not have taken effect. */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<Code> = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Canceled, Code.Unavailable, Code.Aborted, Code.Internal]);

/**
 * isOutcomeUnknown is the default of SagaStep.outcomeUnknown: a step that
 * timed out (STEP_TIMEOUT, SAGA_TIMEOUT) or whose call failed with one of
 * OUTCOME_UNKNOWN_CODES may have taken effect; any other error is a refusal
 * (the service said no, or the step's own code decided).
 */
export function isOutcomeUnknown(error: unknown): boolean {
  if (error instanceof SagaError) return error.code === 'STEP_TIMEOUT' || error.code === 'SAGA_TIMEOUT';
  if (error instanceof ConnectError) return OUTCOME_UNKNOWN_CODES.has(error.code);
  return false;
}
