import type { Http2ServerRequest } from 'node:http2';
import { Code, ConnectError, type ContextValues } from '@connectrpc/connect';
import type { UniversalServerRequest } from '@connectrpc/connect/protocol';
import { appendNodeHeaders } from '../http2/append-node-headers.js';
import { connectErrorFromResetCode } from '../http2/http2-reset-error.js';

/**
 * STREAM_CLOSED_REASON aborts the signal of a call whose HTTP/2 stream closed
 * without an error code: one shared error, where an abort without a reason
 * would build a DOMException with a stack trace. Code Canceled is what
 * connect makes of that AbortError too.
 */
export const STREAM_CLOSED_REASON = new ConnectError('http/2 stream closed', Code.Canceled);

/** resetReason is why a call's stream closed: its RST_STREAM code as connect-node maps it, else STREAM_CLOSED_REASON. */
export function resetReason(rstCode: number | undefined): ConnectError {
  return connectErrorFromResetCode(rstCode) ?? STREAM_CLOSED_REASON;
}

/**
 * universalRequestFromHttp2Request is connect-node's
 * `universalRequestFromNodeRequest` for an HTTP/2 request, with two
 * differences that save work on every call: the call's signal is aborted
 * with a reason when the stream closes (`resetReason`; Node 20 builds a
 * DOMException with a stack trace for an abort without one, on every call,
 * since every stream closes), and the request itself is the body (it is an
 * async iterable of Buffers already; connect-node wraps it in an async
 * generator, a few promises more per chunk). It throws as connect-node does
 * when the request has no authority.
 */
export function universalRequestFromHttp2Request(request: Http2ServerRequest, contextValues: ContextValues | undefined): UniversalServerRequest {
  const authority = request.authority;
  if (authority === undefined) throw new ConnectError('unable to determine request authority from Node.js server request', Code.Internal);
  const socket = request.socket as { encrypted?: boolean };
  const controller = new AbortController();
  request.once('close', () => controller.abort(resetReason(request.stream.rstCode)));
  return {
    httpVersion: request.httpVersion,
    method: request.method,
    url: new URL(request.url, `${socket.encrypted ? 'https' : 'http'}://${authority}`).toString(),
    header: appendNodeHeaders(new Headers(), request.headers),
    body: request,
    signal: controller.signal,
    contextValues,
  };
}
