/** CircuitState names the states of a circuit breaker. */
export const CircuitState = {
  /** Calls flow; failures are counted. */
  CLOSED: 'CLOSED',
  /** Calls are rejected until the reset timeout has elapsed. */
  OPEN: 'OPEN',
  /** A bounded number of probe calls test whether the target has recovered. */
  HALF_OPEN: 'HALF_OPEN',
} as const;

/** CircuitState is the name of one breaker state: 'CLOSED', 'OPEN' or 'HALF_OPEN'. */
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** ClosedCircuitState is a closed breaker and the failures it currently counts. */
export interface ClosedCircuitState {
  readonly state: typeof CircuitState.CLOSED;
  /** Consecutive failures in consecutive mode; failures within the window in rate mode. */
  readonly failures: number;
}

/** OpenCircuitState is an open breaker and when it opened. */
export interface OpenCircuitState {
  readonly state: typeof CircuitState.OPEN;
  /** Clock time (the breaker's `now()`) at which the breaker opened. */
  readonly openedAt: number;
  /** True while opened by `isolate()`: no reset timeout applies, only `reset()` or disposing closes it. */
  readonly isolated: boolean;
}

/** HalfOpenCircuitState is a half-open breaker and the progress of its probes. */
export interface HalfOpenCircuitState {
  readonly state: typeof CircuitState.HALF_OPEN;
  /** Probes that succeeded since the breaker became half-open. */
  readonly successes: number;
  /** Probes admitted and not yet settled. */
  readonly inFlightProbes: number;
}

/** CircuitBreakerState is the state of a breaker, discriminated on `state`. */
export type CircuitBreakerState = ClosedCircuitState | OpenCircuitState | HalfOpenCircuitState;

/** CircuitStateChange is the event a breaker emits on every transition. */
export interface CircuitStateChange {
  /** Name of the breaker that changed. */
  readonly name: string;
  readonly from: CircuitBreakerState;
  readonly to: CircuitBreakerState;
}
