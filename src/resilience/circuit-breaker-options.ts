import type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot.js';
import { assertInteger, assertNumber, withoutUndefined } from './option-checks.js';

/** DEFAULT_FAILURE_THRESHOLD is the number of consecutive failures that opens a breaker. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** DEFAULT_RESET_TIMEOUT is how long, in milliseconds, a breaker stays open before probing. */
export const DEFAULT_RESET_TIMEOUT = 30_000;
/** DEFAULT_SUCCESS_THRESHOLD is the number of successful probes that closes a half-open breaker. */
export const DEFAULT_SUCCESS_THRESHOLD = 3;
/** DEFAULT_HALF_OPEN_MAX_PROBES is the number of probes a half-open breaker lets run at once. */
export const DEFAULT_HALF_OPEN_MAX_PROBES = 1;
/** DEFAULT_FAILURE_RATE_THRESHOLD is the failure rate (0..1) that opens a breaker in rate mode. */
export const DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
/** DEFAULT_MINIMUM_VOLUME is the number of calls in the window below which rate mode never opens. */
export const DEFAULT_MINIMUM_VOLUME = 20;
/** DEFAULT_RATE_WINDOW_MS is the length, in milliseconds, of the rate-mode sliding window. */
export const DEFAULT_RATE_WINDOW_MS = 10_000;
/** DEFAULT_RATE_BUCKETS is the number of buckets in the rate-mode sliding window. */
export const DEFAULT_RATE_BUCKETS = 10;
/** DEFAULT_CIRCUIT_BREAKER_MODE counts consecutive failures, as the older design did. */
export const DEFAULT_CIRCUIT_BREAKER_MODE: CircuitBreakerMode = Object.freeze({ kind: 'consecutive' });
/** DEFAULT_IS_FAILURE counts every error as a failure; the RPC layer narrows it to codes that mean "the target is unhealthy". */
export const DEFAULT_IS_FAILURE = (_error: unknown): boolean => true;

/** ConsecutiveFailuresMode opens the breaker after `failureThreshold` failures in a row. */
export interface ConsecutiveFailuresMode {
  readonly kind: 'consecutive';
}

/**
 * FailureRateMode opens the breaker when, within a sliding window, at least
 * `minimumVolume` calls were made and the share of failures reaches
 * `failureRateThreshold`. It suits high-traffic targets, where a few failures
 * in a row say little.
 */
export interface FailureRateMode {
  readonly kind: 'rate';
  /**
   * Failure share (0..1) that opens the breaker.
   * @defaultValue DEFAULT_FAILURE_RATE_THRESHOLD (0.5)
   */
  readonly failureRateThreshold?: number;
  /**
   * Calls the window must hold before the rate is trusted.
   * @defaultValue DEFAULT_MINIMUM_VOLUME (20)
   */
  readonly minimumVolume?: number;
  /**
   * Window length in milliseconds.
   * @defaultValue DEFAULT_RATE_WINDOW_MS (10 000)
   */
  readonly windowMs?: number;
  /**
   * Buckets in the window.
   * @defaultValue DEFAULT_RATE_BUCKETS (10)
   */
  readonly buckets?: number;
}

/** CircuitBreakerMode selects how a closed breaker decides to open. */
export type CircuitBreakerMode = ConsecutiveFailuresMode | FailureRateMode;

/** CircuitBreakerOptions configures a CircuitBreaker. */
export interface CircuitBreakerOptions {
  /** Name of the breaker, used in errors and events; typically the target service. */
  name: string;
  /**
   * Consecutive failures that open the breaker (consecutive mode only).
   * @defaultValue DEFAULT_FAILURE_THRESHOLD (5)
   */
  failureThreshold?: number;
  /**
   * Milliseconds the breaker stays open before it admits a probe.
   * @defaultValue DEFAULT_RESET_TIMEOUT (30 000)
   */
  resetTimeout?: number;
  /**
   * Successful probes that close a half-open breaker.
   * @defaultValue DEFAULT_SUCCESS_THRESHOLD (3)
   */
  successThreshold?: number;
  /**
   * Probes a half-open breaker admits at once; further calls are rejected.
   * @defaultValue DEFAULT_HALF_OPEN_MAX_PROBES (1)
   */
  halfOpenMaxProbes?: number;
  /**
   * How a closed breaker decides to open.
   * @defaultValue DEFAULT_CIRCUIT_BREAKER_MODE (`{ kind: 'consecutive' }`)
   */
  mode?: CircuitBreakerMode;
  /**
   * Which errors count as failures. Other errors count as successes: the
   * target answered, even if the answer was an error (e.g. "not found").
   * @defaultValue DEFAULT_IS_FAILURE (every error)
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * Clock in milliseconds; injectable for tests. Wall-clock time by default so
   * that a saved `openedAt` still means something after a restart.
   * @defaultValue Date.now
   */
  now?: () => number;
  /** A state saved with `toJSON()` to resume from. */
  initialState?: CircuitBreakerSnapshot;
}

/** ResolvedCircuitBreakerOptions are CircuitBreakerOptions with every default applied and checked. */
export interface ResolvedCircuitBreakerOptions {
  readonly name: string;
  readonly failureThreshold: number;
  readonly resetTimeout: number;
  readonly successThreshold: number;
  readonly halfOpenMaxProbes: number;
  readonly mode: ConsecutiveFailuresMode | Required<FailureRateMode>;
  readonly isFailure: (error: unknown) => boolean;
  readonly now: () => number;
}

const defaults = {
  failureThreshold: DEFAULT_FAILURE_THRESHOLD,
  resetTimeout: DEFAULT_RESET_TIMEOUT,
  successThreshold: DEFAULT_SUCCESS_THRESHOLD,
  halfOpenMaxProbes: DEFAULT_HALF_OPEN_MAX_PROBES,
  mode: DEFAULT_CIRCUIT_BREAKER_MODE,
  isFailure: DEFAULT_IS_FAILURE,
  now: Date.now,
} satisfies Required<Omit<CircuitBreakerOptions, 'name' | 'initialState'>>;

const rateDefaults = {
  failureRateThreshold: DEFAULT_FAILURE_RATE_THRESHOLD,
  minimumVolume: DEFAULT_MINIMUM_VOLUME,
  windowMs: DEFAULT_RATE_WINDOW_MS,
  buckets: DEFAULT_RATE_BUCKETS,
} satisfies Required<Omit<FailureRateMode, 'kind'>>;

/** resolveCircuitBreakerOptions applies the defaults to `options` and throws a RangeError on invalid values. */
export function resolveCircuitBreakerOptions(options: CircuitBreakerOptions): ResolvedCircuitBreakerOptions {
  const { initialState: _ignored, ...rest } = options;
  const resolved = { ...defaults, ...withoutUndefined(rest) };
  if (typeof resolved.name !== 'string' || resolved.name === '') {
    throw new TypeError('a circuit breaker needs a non-empty name');
  }
  assertInteger('failureThreshold', resolved.failureThreshold, 1);
  assertNumber('resetTimeout', resolved.resetTimeout, 0);
  assertInteger('successThreshold', resolved.successThreshold, 1);
  assertInteger('halfOpenMaxProbes', resolved.halfOpenMaxProbes, 1);
  return { ...resolved, name: resolved.name, mode: resolveMode(resolved.mode) };
}

function resolveMode(mode: CircuitBreakerMode): ResolvedCircuitBreakerOptions['mode'] {
  // Options may come from untyped configuration, so check the discriminant.
  switch (mode.kind) {
    case 'consecutive':
      return mode;
    case 'rate':
      return resolveRateMode(mode);
    default: {
      const unknown: never = mode;
      throw new RangeError(`mode.kind must be 'consecutive' or 'rate', got ${String((unknown as { kind?: unknown }).kind)}`);
    }
  }
}

function resolveRateMode(mode: FailureRateMode): Required<FailureRateMode> {
  const resolved = { ...rateDefaults, ...withoutUndefined(mode), kind: 'rate' as const };
  assertNumber('failureRateThreshold', resolved.failureRateThreshold, 0, 1);
  assertInteger('minimumVolume', resolved.minimumVolume, 1);
  assertNumber('windowMs', resolved.windowMs, Number.MIN_VALUE);
  assertInteger('buckets', resolved.buckets, 1);
  return resolved;
}
