import type { CircuitState } from './circuit-state.js';

/**
 * BrokenCircuitError is thrown instead of running a call that a circuit
 * breaker does not admit: the breaker is open, or half-open with all its probe
 * slots taken. The RPC layer maps it to `Code.Unavailable`; Kafka consumers
 * pause and retry later.
 */
export class BrokenCircuitError extends Error {
  /** code is stable across releases; match on it rather than on the message. */
  readonly code = 'CIRCUIT_OPEN' as const;
  override readonly name = 'BrokenCircuitError';
  /** Name of the breaker that rejected the call. */
  readonly breakerName: string;
  /** State of the breaker when it rejected the call. */
  readonly state: Exclude<CircuitState, 'CLOSED'>;
  /**
   * Milliseconds until the breaker admits a probe, or undefined when that is
   * unknown: half-open probes are still in flight, or the breaker is isolated.
   */
  readonly retryAfterMs: number | undefined;

  constructor(breakerName: string, state: Exclude<CircuitState, 'CLOSED'>, retryAfterMs: number | undefined) {
    const when = retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(retryAfterMs)} ms`;
    const why = state === 'OPEN' ? 'is open' : 'is half-open and all probe slots are taken';
    super(`circuit breaker "${breakerName}" ${why}${when}`);
    this.breakerName = breakerName;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}
