import { Code, ConnectError } from '@connectrpc/connect';

/**
 * DEFAULT_BREAKER_FAILURE_CODES are the codes that say an endpoint is
 * unhealthy; business errors (InvalidArgument, NotFound, …) mean it answered.
 */
export const DEFAULT_BREAKER_FAILURE_CODES: readonly Code[] = Object.freeze([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
  Code.ResourceExhausted,
]);

/** createIsBreakerFailure returns the `isFailure` predicate of a breaker that counts `codes` only. */
export function createIsBreakerFailure(codes: readonly Code[] = DEFAULT_BREAKER_FAILURE_CODES): (error: unknown) => boolean {
  const set = new Set(codes);
  return (error) => set.has(ConnectError.from(error).code);
}
