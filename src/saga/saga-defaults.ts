import type { BackoffOptions } from '../resilience/index.js';

/** DEFAULT_STEP_MAX_ATTEMPTS tries a step three times before the saga compensates. */
export const DEFAULT_STEP_MAX_ATTEMPTS = 3;
/** DEFAULT_COMPENSATION_MAX_ATTEMPTS tries a compensation harder than a step: giving up leaves the saga FAILED for an operator. */
export const DEFAULT_COMPENSATION_MAX_ATTEMPTS = 5;
/** DEFAULT_STEP_BACKOFF spaces step retries (exponential, full jitter). */
export const DEFAULT_STEP_BACKOFF: BackoffOptions = { initialDelay: 100, maxDelay: 5_000 };
/** DEFAULT_STEP_TIMEOUT_MS bounds one step attempt. */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
/** DEFAULT_SAGA_TIMEOUT_MS bounds the forward part of a saga. */
export const DEFAULT_SAGA_TIMEOUT_MS = 5 * 60_000;
