import { Code, ConnectError } from '@connectrpc/connect';

// Node.js error codes connect-node gives a code of their own (node-error.js, not exported).
const ABORTED_CODES: ReadonlySet<string> = new Set(['ERR_STREAM_DESTROYED', 'ERR_HTTP2_INVALID_STREAM', 'ECONNRESET']);
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

/** WRITE_AFTER_END_CODE is Node's code for a write to a request the server already ended by answering. */
export const WRITE_AFTER_END_CODE = 'ERR_STREAM_WRITE_AFTER_END';

/** nodeErrorCodes returns the `code` of `reason` and of each error down its `cause` chain. */
export function nodeErrorCodes(reason: unknown): string[] {
  const codes: string[] = [];
  const seen: unknown[] = [];
  for (let current = reason; current instanceof Error && !seen.includes(current); current = (current as { cause?: unknown }).cause) {
    seen.push(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * connectErrorFromNodeReason turns what failed an HTTP/2 call into a
 * ConnectError as connect-node's HTTP client does (its
 * `connectErrorFromNodeReason`): a ConnectError as it is; a write after the
 * server ended the call, a destroyed stream or a reset connection Aborted; an
 * unreachable host Unavailable; anything else Internal, with `reason` as cause.
 */
export function connectErrorFromNodeReason(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes = nodeErrorCodes(reason);
  const code = codes.includes(WRITE_AFTER_END_CODE) || codes.some((c) => ABORTED_CODES.has(c))
    ? Code.Aborted
    : codes.some((c) => UNAVAILABLE_CODES.has(c))
      ? Code.Unavailable
      : Code.Internal;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}
