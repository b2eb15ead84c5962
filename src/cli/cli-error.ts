/** CliErrorCode names what went wrong in a command, stably, for scripts and tests. */
export type CliErrorCode =
  | 'COMPONENT_START_FAILED'
  | 'COMPONENT_NOT_READY'
  | 'BAD_ARGUMENT'
  | 'BAD_JSON'
  | 'UNKNOWN_SERVICE'
  | 'UNKNOWN_METHOD'
  | 'RPC_FAILED'
  | 'BROKER_UNREACHABLE'
  | 'UNKNOWN_TOPIC'
  | 'NOT_FOUND'
  | 'HANDLER_INVALID'
  | 'REPLAY_FAILED';

/**
 * CliError is a failure the CLI reports as one clear line (its message says
 * what to do) and a non-zero exit, without a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
