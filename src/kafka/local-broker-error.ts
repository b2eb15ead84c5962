/**
 * LocalBrokerErrorCode names every way starting the local broker can fail,
 * so callers (CLI, test runner) can branch on a stable string.
 */
export type LocalBrokerErrorCode =
  | 'JAVA_NOT_FOUND'
  | 'MAVEN_NOT_FOUND'
  | 'ARTIFACT_FETCH_FAILED'
  | 'PORT_TAKEN'
  | 'FORMAT_FAILED'
  | 'BROKER_EXITED'
  | 'NOT_READY';

/**
 * LocalBrokerError is thrown when the project's own Kafka broker cannot be
 * started; its message says what to do about it.
 */
export class LocalBrokerError extends Error {
  override readonly name = 'LocalBrokerError';

  constructor(
    readonly code: LocalBrokerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
