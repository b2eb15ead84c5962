/** SagaOutcome is how a saga ended. */
export type SagaOutcome = 'completed' | 'compensated' | 'failed';

/** SagaResult is what execute, resume and waitFor resolve with. */
export interface SagaResult<O = unknown> {
  sagaId: string;
  status: SagaOutcome;
  /** output is set when the saga completed. */
  output?: O;
  /** error is why the saga compensated (the failed step's error, or the timeout) or failed (the compensation that could not finish). */
  error?: string;
}
