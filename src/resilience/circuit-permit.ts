/**
 * CircuitPermit is the admission of one call by a circuit breaker. Settle it
 * exactly once with the outcome of the call; later calls are ignored, and
 * outcomes that arrive after the breaker has changed state are ignored too,
 * because they describe the target as it was before.
 */
export interface CircuitPermit {
  /** success records a call that succeeded. */
  success(): void;
  /** failure records a call that failed, without consulting the breaker's isFailure. */
  failure(): void;
  /**
   * recordError records a call that threw `error`: a failure if the breaker's
   * isFailure(error) holds, otherwise a success (the target answered).
   */
  recordError(error: unknown): void;
  /** release frees the permit without an outcome, e.g. when the caller cancelled the call. */
  release(): void;
}
