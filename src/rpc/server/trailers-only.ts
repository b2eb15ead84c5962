import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http2ServerResponse, type Http2ServerRequest, type OutgoingHttpHeaders } from 'node:http2';

/** RequestListener is what both node:http and node:http2 servers call for each request. */
export type RequestListener = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** GRPC_CONTENT_TYPE matches gRPC requests, and not gRPC-Web (whose trailers travel in the body). */
const GRPC_CONTENT_TYPE = /^application\/grpc(?:$|[+;])/i;

const proto = Http2ServerResponse.prototype;
type Method<R> = (this: Http2ServerResponse, a: unknown, b: unknown, c: unknown) => R;
const writeHead = proto.writeHead as Method<Http2ServerResponse>;
const write = proto.write as Method<boolean>;
const end = proto.end as Method<Http2ServerResponse>;

/**
 * TrailersOnlyResponse is the Http2ServerResponse of servers that answer
 * gRPC errors Trailers-Only (pass it as the `Http2ServerResponse` option of
 * `http2.createServer`). It behaves exactly like its parent until
 * `holdHeaders()` is called; from then on `writeHead` and `addTrailers` are
 * held back until the first body byte, which writes them the usual way, or
 * the end, which sends headers and trailers as one HEADERS frame with
 * END_STREAM. One class instead of methods shadowed on each response keeps
 * every response of the same shape, and costs a gRPC call no closures.
 */
export class TrailersOnlyResponse extends Http2ServerResponse {
  // What is held back, in fields of the response itself: no object per call.
  private holding = false;
  private heldStatus: number | undefined = undefined;
  private heldHeaders: OutgoingHttpHeaders | undefined = undefined;
  private heldTrailers: OutgoingHttpHeaders | undefined = undefined;

  /** holdHeaders starts holding back headers and trailers (see the class). */
  holdHeaders(): void {
    this.holding = true;
  }

  // Node's own methods take three parameters; fixed ones here, so a response
  // that holds nothing back (every Connect call) passes through without a rest array.
  override writeHead(statusCode: number, statusMessage?: unknown, headers?: unknown): this {
    if (!this.holding) return writeHead.call(this, statusCode, statusMessage, headers) as this;
    const given = headers !== undefined ? headers : statusMessage;
    this.heldStatus = statusCode;
    if (given !== null && typeof given === 'object') this.heldHeaders = merge(this.heldHeaders, given as OutgoingHttpHeaders);
    return this;
  }

  override addTrailers(trailers: OutgoingHttpHeaders): void {
    if (!this.holding) return proto.addTrailers.call(this, trailers);
    this.heldTrailers = merge(this.heldTrailers, trailers);
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (this.holding) this.commit();
    return write.call(this, chunk, encoding, callback);
  }

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (this.holding) {
      if (chunk != null && typeof chunk !== 'function') {
        this.commit();
      } else {
        // No body: headers and trailers become one HEADERS frame. Node's
        // end() sends pending headers with endStream when nothing was sent.
        this.holding = false;
        if (!this.headersSent) {
          setHeaders(this, this.heldHeaders);
          setHeaders(this, this.heldTrailers);
          if (this.heldStatus !== undefined) this.statusCode = this.heldStatus;
        }
      }
    }
    return end.call(this, chunk, encoding, callback) as this;
  }

  /** commit writes what was held the usual way, before the first body byte. */
  private commit(): void {
    this.holding = false;
    if (this.heldStatus !== undefined && !this.headersSent) writeHead.call(this, this.heldStatus, this.heldHeaders ?? {}, undefined);
    if (this.heldTrailers !== undefined) proto.addTrailers.call(this, this.heldTrailers);
  }
}

// connect-node hands over a fresh object per call, so the first one is kept as it is.
function merge(into: OutgoingHttpHeaders | undefined, more: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return into === undefined ? more : Object.assign(into, more);
}

function setHeaders(response: Http2ServerResponse, headers: OutgoingHttpHeaders | undefined): void {
  if (headers === undefined) return;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) response.setHeader(name, value);
  }
}

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
 *
 * Create the HTTP/2 server with `Http2ServerResponse: TrailersOnlyResponse`
 * (createServer does): a plain Http2ServerResponse is switched over to that
 * class per gRPC call, which works but makes V8 deoptimize code that sees it.
 */
export function withTrailersOnly(handler: RequestListener): RequestListener {
  return (request, response) => {
    if (response instanceof Http2ServerResponse) {
      const contentType = request.headers['content-type'];
      if (typeof contentType === 'string' && GRPC_CONTENT_TYPE.test(contentType)) {
        if (!(response instanceof TrailersOnlyResponse)) Object.setPrototypeOf(response, TrailersOnlyResponse.prototype);
        (response as TrailersOnlyResponse).holdHeaders();
      }
    }
    handler(request, response);
  };
}
