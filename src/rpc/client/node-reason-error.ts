import { constants } from 'node:http2';
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

// connect-node's mapping of RST_STREAM codes (connectErrorFromH2ResetCode); NO_ERROR and STREAM_CLOSED are no error.
const RESET_CODES = new Map<number, { readonly name: string; readonly code: Code }>(
  (
    [
      ['PROTOCOL_ERROR', Code.Internal],
      ['INTERNAL_ERROR', Code.Internal],
      ['FLOW_CONTROL_ERROR', Code.Internal],
      ['SETTINGS_TIMEOUT', Code.Internal],
      ['FRAME_SIZE_ERROR', Code.Internal],
      ['COMPRESSION_ERROR', Code.Internal],
      ['CONNECT_ERROR', Code.Internal],
      ['REFUSED_STREAM', Code.Unavailable],
      ['CANCEL', Code.Canceled],
      ['ENHANCE_YOUR_CALM', Code.ResourceExhausted],
      ['INADEQUATE_SECURITY', Code.PermissionDenied],
      ['HTTP_1_1_REQUIRED', Code.PermissionDenied],
    ] as const
  ).map(([name, code]) => [constants[`NGHTTP2_${name}`], { name, code }]),
);

/** connectErrorFromResetCode returns the error an RST_STREAM code stands for, as connect-node's client reports it; undefined for none. */
export function connectErrorFromResetCode(rstCode: number | undefined): ConnectError | undefined {
  const reset = rstCode === undefined ? undefined : RESET_CODES.get(rstCode);
  if (reset === undefined) return undefined;
  return new ConnectError(`http/2 stream closed with error code ${reset.name} (0x${rstCode!.toString(16)})`, reset.code);
}
