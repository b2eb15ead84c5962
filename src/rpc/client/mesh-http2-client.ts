import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { getAbortSignalReason, type UniversalClientFn, type UniversalClientRequest, type UniversalClientResponse } from '@connectrpc/connect/protocol';
import { appendNodeHeaders } from '../http2/append-node-headers.js';
import { connectErrorFromResetCode } from '../http2/http2-reset-error.js';
import { connectErrorFromNodeReason, nodeErrorCodes, WRITE_AFTER_END_CODE } from './node-reason-error.js';
import type { SessionManagerView } from './throttle-read-notices.js';

/** MAX_REMEMBERED_URLS bounds the request URLs a client remembers the origin and path of; past it, it starts over. */
export const MAX_REMEMBERED_URLS = 1024;

/**
 * MAX_QUEUED_RESPONSE_BYTES is how much of a response body a call holds
 * unread before it pauses its stream (HTTP/2 flow control then holds the
 * rest): the first chunk usually arrives a moment before connect-es asks for
 * it, and pausing for that would cost a pause and a resume per call.
 */
export const MAX_QUEUED_RESPONSE_BYTES = 64 * 1024;

const PREMATURE_CLOSE_CODE = 'ERR_STREAM_PREMATURE_CLOSE';

/**
 * createMeshHttp2Client returns an HTTP/2 client function for connect-es
 * transports that does what connect-node's (`createNodeHttpClient({
 * httpVersion: '2', sessionProvider })`) does, with less work per call:
 *
 * - a call that ends well builds no error: connect-node's per-call
 *   "sentinel" makes a ConnectError (a stack trace and a `Headers`) each time
 *   a response body is read to its end, to reject a race that has already
 *   settled;
 * - the response body is read from the stream's `data` events rather than
 *   through Node's stream async iterator (an async generator and a
 *   `finished` watcher per call);
 * - each request URL's origin and path are cut apart once, not parsed per call;
 *   `sessionOf` gets the origin, so the caller need not parse it again.
 *
 * Errors, codes and stream resets are reported as connect-node reports them
 * (connectErrorFromNodeReason, connectErrorFromResetCode); an aborted call
 * resets its stream with CANCEL (Canceled) or INTERNAL_ERROR, as there.
 */
export function createMeshHttp2Client(sessionOf: (origin: string) => SessionManagerView): UniversalClientFn {
  const targets = new Map<string, { readonly origin: string; readonly path: string }>();
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (targets.size >= MAX_REMEMBERED_URLS) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
  return (req) => {
    const target = targetOf(req.url);
    const sessions = sessionOf(target.origin);
    return new Promise<UniversalClientResponse>((resolve, reject) => {
      const call = new Http2Call(req, sessions, resolve, reject);
      if (target.origin !== sessions.authority) {
        call.fail(new ConnectError(`cannot make a request to ${target.origin}: the http2 session is connected to ${sessions.authority}`, Code.Internal));
        return;
      }
      if (call.closed) return;
      sessions.request(req.method, target.path, nodeHeaders(req.header), {}).then(
        (stream) => call.start(stream),
        (reason: unknown) => call.fail(reason),
      );
    });
  };
}

function nodeHeaders(header: Headers): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
  // fetch Headers hand out names in lower case, and each name once (set-cookie aside, which requests do not carry).
  header.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

type Pending = { resolve(result: IteratorResult<Uint8Array>): void; reject(error: ConnectError): void };

/**
 * Http2Call is one request: its stream once opened, the response body's
 * chunks not yet read, and what ended it. It is settled once: by the end of
 * the response body, or by the first failure (the caller's abort, a stream
 * error or reset), which resets the stream if it is still open.
 */
class Http2Call {
  closed = false;
  private failure: ConnectError | undefined;
  private stream: ClientHttp2Stream | undefined;
  private responded = false;
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private pending: Pending | undefined;
  readonly trailer = new Headers();
  private queuedBytes = 0;

  constructor(
    private readonly req: UniversalClientRequest,
    private readonly sessions: SessionManagerView,
    private readonly resolve: (response: UniversalClientResponse) => void,
    private readonly reject: (error: ConnectError) => void,
  ) {
    const signal = req.signal;
    if (signal) {
      if (signal.aborted) this.fail(getAbortSignalReason(signal));
      else signal.addEventListener('abort', this);
    }
  }

  /** handleEvent makes the call its signal's abort listener (an EventListener object: no closure per call). */
  handleEvent(): void {
    this.fail(getAbortSignalReason(this.req.signal!));
  }

  start(stream: ClientHttp2Stream): void {
    this.stream = stream;
    // The listeners are shared functions that find the call on the stream: no closures per call.
    (stream as CallStream)[CALL] = this;
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    if (this.closed) {
      this.resetStream();
      return;
    }
    this.sink(stream);
    stream.on('response', onStreamResponse);
  }

  onStreamError(error: Error): void {
    if (isWriteAfterAnswer(this.stream!, error)) return;
    this.fail(error);
  }

  onStreamClose(): void {
    const reset = connectErrorFromResetCode(this.stream!.rstCode);
    if (reset) this.fail(reset);
    // Closed without a reset before the body ended: what Node's stream iterator reports.
    else if (this.responded && !this.ended) this.fail(Object.assign(new Error('Premature close'), { code: PREMATURE_CLOSE_CODE }));
    // Closed without a reset and without a response: the call would wait for nothing.
    else if (!this.responded) this.fail(new ConnectError('http/2 stream closed without a response', Code.Internal));
  }

  onResponse(headers: IncomingHttpHeaders & { ':status'?: number }): void {
    const stream = this.stream!;
    this.responded = true;
    stream.on('trailers', onStreamTrailers);
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    this.resolve({ status: headers[':status'] ?? 0, header: appendNodeHeaders(new Headers(), headers), body: new ResponseBody(this), trailer: this.trailer });
  }

  onTrailers(trailers: IncomingHttpHeaders): void {
    // Straight into the response's trailer, which is empty until now.
    appendNodeHeaders(this.trailer, trailers);
  }

  /** fail settles the call with `reason` (once) and resets the stream if it is still open. */
  fail(reason: unknown): void {
    if (this.closed) return;
    const error = connectErrorFromNodeReason(reason);
    this.failure = error;
    this.close();
    this.reject(error);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    this.resetStream();
  }

  private close(): void {
    this.closed = true;
    this.req.signal?.removeEventListener('abort', this);
  }

  private resetStream(): void {
    const stream = this.stream;
    if (stream === undefined || stream.closed || this.failure === undefined) return;
    // Node resets a stream aborted by a signal with INTERNAL_ERROR; gRPC wants CANCEL for a cancelled call.
    stream.close(this.failure.code === Code.Canceled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR);
  }

  onChunk(chunk: Uint8Array): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.sessions.notifyResponseByteRead(this.stream!);
      pending.resolve({ done: false, value: chunk });
      return;
    }
    this.chunks.push(chunk);
    this.queuedBytes += chunk.byteLength;
    // Nobody reads for a while: let HTTP/2 flow control hold the rest.
    if (this.queuedBytes >= MAX_QUEUED_RESPONSE_BYTES) this.stream!.pause();
  }

  onEnd(): void {
    this.ended = true;
    if (this.chunks.length > 0) return;
    this.finish();
  }

  // The body is read to its end: the call is over, without an error.
  private finish(): IteratorResult<Uint8Array> {
    if (!this.closed) this.close();
    const pending = this.pending;
    this.pending = undefined;
    this.sessions.notifyResponseByteRead(this.stream!);
    const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
    pending?.resolve(done);
    return done;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.chunks.length > 0) {
      const value = this.chunks.shift()!;
      this.queuedBytes -= value.byteLength;
      this.sessions.notifyResponseByteRead(this.stream!);
      if (this.chunks.length === 0 && !this.ended && this.stream!.isPaused()) this.stream!.resume();
      return Promise.resolve({ done: false, value });
    }
    if (this.ended) return Promise.resolve(this.finish());
    if (this.pending) return Promise.reject(new ConnectError('response body read twice at once', Code.Internal));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  // Writes the request body, as connect-node's sinkRequest does: chunk by
  // chunk, each after the last one was taken, until the call is over.
  private sink(stream: ClientHttp2Stream): void {
    const body = this.req.body;
    if (body === undefined) {
      stream.end();
      return;
    }
    const it = body[Symbol.asyncIterator]();
    const failed = (error: unknown) => {
      void it.throw?.(connectErrorFromNodeReason(error)).catch(() => {});
      if (isWriteAfterAnswer(stream, error)) return;
      this.fail(error);
    };
    const writeNext = (): void => {
      if (this.closed) return;
      it.next().then((r) => {
        if (r.done === true) stream.end();
        else stream.write(r.value, (error) => (error ? failed(error) : writeNext()));
      }, (error: unknown) => this.fail(error));
    };
    writeNext();
  }
}

const CALL = Symbol('meshHttp2Call');
type CallStream = ClientHttp2Stream & { [CALL]: Http2Call };

function onStreamError(this: CallStream, error: Error): void {
  this[CALL].onStreamError(error);
}
function onStreamClose(this: CallStream): void {
  this[CALL].onStreamClose();
}
function onStreamResponse(this: CallStream, headers: IncomingHttpHeaders & { ':status'?: number }): void {
  this[CALL].onResponse(headers);
}
function onStreamTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
  this[CALL].onTrailers(trailers);
}
function onStreamData(this: CallStream, chunk: Uint8Array): void {
  this[CALL].onChunk(chunk);
}
function onStreamEnd(this: CallStream): void {
  this[CALL].onEnd();
}

/** ResponseBody is a call's response body as connect-es reads it: an async iterable that is its own iterator. */
class ResponseBody implements AsyncIterableIterator<Uint8Array> {
  constructor(private readonly call: Http2Call) {}
  [Symbol.asyncIterator](): this {
    return this;
  }
  next(): Promise<IteratorResult<Uint8Array>> {
    return this.call.next();
  }
  throw(error: unknown): Promise<IteratorResult<Uint8Array>> {
    this.call.fail(error);
    return Promise.reject(error);
  }
}

// The server answered and ended the call while the request was still being written: its answer wins over the write's error.
function isWriteAfterAnswer(stream: ClientHttp2Stream, error: unknown): boolean {
  return stream.writableEnded && nodeErrorCodes(error).includes(WRITE_AFTER_END_CODE);
}
