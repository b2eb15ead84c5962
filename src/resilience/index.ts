// Public API of the resilience primitives. Transport-free: the RPC
// interceptors and the Kafka consumers both build on these.
export { abortableSleep } from './abortable-sleep.js';
export {
  computeBackoff,
  computeBackoffCap,
  delayWithinDeadline,
  DEFAULT_BACKOFF_MULTIPLIER,
  DEFAULT_INITIAL_DELAY,
  DEFAULT_JITTER,
  DEFAULT_MAX_DELAY,
  DEFAULT_MIN_ATTEMPT_TIME,
  type BackoffOptions,
  type DeadlineFitOptions,
  type Jitter,
} from './backoff.js';
export { BrokenCircuitError } from './broken-circuit-error.js';
export { CircuitBreaker } from './circuit-breaker.js';
export {
  DEFAULT_CIRCUIT_BREAKER_MODE,
  DEFAULT_FAILURE_RATE_THRESHOLD,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_HALF_OPEN_MAX_PROBES,
  DEFAULT_IS_FAILURE,
  DEFAULT_MINIMUM_VOLUME,
  DEFAULT_RATE_BUCKETS,
  DEFAULT_RATE_WINDOW_MS,
  DEFAULT_RESET_TIMEOUT,
  DEFAULT_SUCCESS_THRESHOLD,
  type CircuitBreakerMode,
  type CircuitBreakerOptions,
  type ConsecutiveFailuresMode,
  type FailureRateMode,
} from './circuit-breaker-options.js';
export type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot.js';
export type { CircuitPermit } from './circuit-permit.js';
export {
  CircuitState,
  type CircuitBreakerState,
  type CircuitStateChange,
  type ClosedCircuitState,
  type HalfOpenCircuitState,
  type OpenCircuitState,
} from './circuit-state.js';
export type { Disposable } from './disposable.js';
export {
  createRetryBudget,
  DEFAULT_MIN_RETRIES_PER_SECOND,
  DEFAULT_RETRY_BUDGET_BUCKETS,
  DEFAULT_RETRY_BUDGET_TTL_MS,
  DEFAULT_RETRY_RATIO,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetStats,
} from './retry-budget.js';
export {
  createSlidingWindow,
  type SlidingWindow,
  type SlidingWindowOptions,
  type SlidingWindowSnapshot,
} from './sliding-window.js';
