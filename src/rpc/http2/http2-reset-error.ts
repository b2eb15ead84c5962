import { constants } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';

// connect-node's mapping of RST_STREAM codes (connectErrorFromH2ResetCode, not exported); NO_ERROR and STREAM_CLOSED are no error.
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

/**
 * connectErrorFromResetCode returns the error an HTTP/2 stream's RST_STREAM
 * code stands for, with the code connect-node gives it (client and server
 * alike); undefined for no code, NO_ERROR and STREAM_CLOSED.
 */
export function connectErrorFromResetCode(rstCode: number | undefined): ConnectError | undefined {
  const reset = rstCode === undefined ? undefined : RESET_CODES.get(rstCode);
  if (reset === undefined) return undefined;
  return new ConnectError(`http/2 stream closed with error code ${reset.name} (0x${rstCode!.toString(16)})`, reset.code);
}
