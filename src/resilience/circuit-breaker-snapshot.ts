import { CircuitState, type CircuitBreakerState } from './circuit-state.js';
import type { SlidingWindowSnapshot } from './sliding-window.js';

/**
 * CircuitBreakerSnapshot is the saved form of a CircuitBreaker, as returned
 * by `toJSON()` and accepted by `CircuitBreaker.fromJSON()`. It is plain JSON.
 */
export interface CircuitBreakerSnapshot {
  readonly state: CircuitBreakerState;
  /** The rate-mode sliding window; absent in consecutive mode. */
  readonly window?: SlidingWindowSnapshot<'successes' | 'failures'>;
}

/**
 * parseCircuitBreakerState checks a saved state and returns it ready to
 * resume: probes that were in flight belonged to the process that saved it,
 * so a restored half-open breaker starts with none. Throws a TypeError when
 * `value` is not a breaker state.
 */
export function parseCircuitBreakerState(value: unknown): CircuitBreakerState {
  const saved = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const count = (key: string): number => {
    const n = saved[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new TypeError(`invalid circuit breaker snapshot: ${key} must be a non-negative integer`);
    }
    return n;
  };
  switch (saved['state']) {
    case CircuitState.CLOSED:
      return { state: CircuitState.CLOSED, failures: count('failures') };
    case CircuitState.OPEN: {
      const openedAt = saved['openedAt'];
      if (typeof openedAt !== 'number' || !Number.isFinite(openedAt)) {
        throw new TypeError('invalid circuit breaker snapshot: openedAt must be a finite number');
      }
      return { state: CircuitState.OPEN, openedAt, isolated: saved['isolated'] === true };
    }
    case CircuitState.HALF_OPEN:
      return { state: CircuitState.HALF_OPEN, successes: count('successes'), inFlightProbes: 0 };
    default:
      throw new TypeError(`invalid circuit breaker snapshot: unknown state ${JSON.stringify(saved['state'])}`);
  }
}
