import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http2ServerResponse, type Http2ServerRequest, type OutgoingHttpHeaders } from 'node:http2';

/** RequestListener is what both node:http and node:http2 servers call for each request. */
export type RequestListener = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** GRPC_CONTENT_TYPE matches gRPC requests, and not gRPC-Web (whose trailers travel in the body). */
const GRPC_CONTENT_TYPE = /^application\/grpc(?:$|[+;])/i;

const OVERRIDDEN = ['writeHead', 'write', 'addTrailers', 'end'] as const;

/**
 * withTrailersOnly wraps a request handler so that a gRPC call which ends
 * before its first response message is answered Trailers-Only: one HEADERS
 * frame with END_STREAM carrying :status, content-type and grpc-status.
 *
 * connect-node writes such an error as a HEADERS frame followed by a trailers
 * frame. @grpc/grpc-js treats any received headers as "response started" and
 * commits the call, so its retryPolicy never retries, and proxies like Envoy
 * behave the same way. Holding back `writeHead` until the first body byte (or
 * the end) lets the end merge headers and trailers into a single frame; calls
 * with a body are written exactly as before.
 */
export function withTrailersOnly(handler: RequestListener): RequestListener {
  return (request, response) => {
    const contentType = request.headers['content-type'];
    if (response instanceof Http2ServerResponse && typeof contentType === 'string' && GRPC_CONTENT_TYPE.test(contentType)) {
      deferHeaders(response);
    }
    handler(request, response);
  };
}

/**
 * deferHeaders shadows four methods of one response with instance properties;
 * once the response commits to a normal shape they are removed again, so
 * everything after that runs on Node's own Http2ServerResponse code.
 */
function deferHeaders(response: Http2ServerResponse): void {
  const proto = Http2ServerResponse.prototype;
  const writeHead = proto.writeHead as (this: Http2ServerResponse, status: number, headers: OutgoingHttpHeaders) => Http2ServerResponse;
  let status: number | undefined;
  const headers: OutgoingHttpHeaders = {};
  const trailers: OutgoingHttpHeaders = {};
  const restore = () => {
    for (const name of OVERRIDDEN) delete (response as unknown as Record<string, unknown>)[name];
  };
  // Before the first body byte, commit the deferred headers the usual way.
  const commit = () => {
    restore();
    if (status !== undefined && !response.headersSent) writeHead.call(response, status, headers);
    if (Object.keys(trailers).length > 0) proto.addTrailers.call(response, trailers);
  };
  const overrides: Pick<Http2ServerResponse, (typeof OVERRIDDEN)[number]> = {
    writeHead(this: Http2ServerResponse, statusCode: number, ...rest: unknown[]) {
      const last = rest[rest.length - 1];
      status = statusCode;
      if (last !== null && typeof last === 'object') Object.assign(headers, last);
      return this;
    },
    write(this: Http2ServerResponse, ...args: unknown[]) {
      commit();
      return (proto.write as (...a: unknown[]) => boolean).apply(this, args);
    },
    addTrailers(this: Http2ServerResponse, more: OutgoingHttpHeaders) {
      Object.assign(trailers, more);
    },
    end(this: Http2ServerResponse, ...args: unknown[]) {
      if (args[0] != null && typeof args[0] !== 'function') {
        commit();
      } else {
        // No body: headers and trailers become one HEADERS frame. Node's
        // end() sends pending headers with endStream when nothing was sent.
        restore();
        if (!response.headersSent) {
          for (const [name, value] of Object.entries({ ...headers, ...trailers })) {
            if (value !== undefined) response.setHeader(name, value);
          }
          if (status !== undefined) response.statusCode = status;
        }
      }
      return (proto.end as (...a: unknown[]) => Http2ServerResponse).apply(this, args);
    },
  } as Pick<Http2ServerResponse, (typeof OVERRIDDEN)[number]>;
  Object.assign(response, overrides);
}
