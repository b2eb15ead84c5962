/** SagaErrorCode is the stable code of a SagaError. */
export type SagaErrorCode =
  /** A definition with the same name and version is already registered. */
  | 'DUPLICATE_DEFINITION'
  /** A definition is malformed (no steps, duplicate step names, bad version). */
  | 'INVALID_DEFINITION'
  /** No definition is registered under the name (and version) asked for. */
  | 'UNKNOWN_DEFINITION'
  /** No saga with this id is known to this coordinator. */
  | 'UNKNOWN_SAGA'
  /** The saga is running, or finished in a state resume cannot change. */
  | 'NOT_RESUMABLE'
  /** The saga's partition is owned by another coordinator instance. */
  | 'NOT_OWNER'
  /** Writing a transition to the saga log failed; the coordinator stopped driving the saga. */
  | 'LOG_WRITE_FAILED'
  /** Another coordinator fenced this one's producer: it lost the saga's partition. */
  | 'FENCED'
  /** A step attempt ran longer than its timeout. */
  | 'STEP_TIMEOUT'
  /** The saga ran longer than its timeout. */
  | 'SAGA_TIMEOUT'
  /** The coordinator is stopping or was not started. */
  | 'STOPPED';

/** SagaError is the one error class of the saga coordinator; `code` is stable, the message is for people. */
export class SagaError extends Error {
  override readonly name = 'SagaError';

  constructor(
    readonly code: SagaErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** errorMessage renders anything thrown as one line for the saga log. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
