import { Code, ConnectError, createContextKey, type ContextValues } from '@connectrpc/connect';
import { createAsyncIterable, encodeEnvelope, type UniversalHandler, type UniversalServerRequest, type UniversalServerResponse } from '@connectrpc/connect/protocol';
import { codeToHttpStatus } from '@connectrpc/connect/protocol-connect';
import { trailerFlag, trailerParse, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';

// Why InvalidArgument and not Internal: a request message that is not valid
// protobuf is the caller's fault, and retrying it cannot help. gRPC's own
// servers (grpc-go, grpc-java, grpc-js) answer INTERNAL, but connect-go
// answers InvalidArgument, and so does connect-es itself for malformed JSON
// and for a truncated envelope. Internal is what the mesh's clients count as
// a breaker failure and what the saga treats as "outcome unknown", so a
// client sending garbage would trip its own breaker and look like a server
// fault on the dashboards. No gRPC client retries or fails over on either
// code, so the interop cost is nil.

/** UNPARSABLE_REQUEST_PREFIX starts connect's message for a request message that is not valid protobuf binary. */
export const UNPARSABLE_REQUEST_PREFIX = 'parse binary: ';

/**
 * isUnparsableRequest tells whether `error` is connect's Internal error for a
 * message it could not parse. Only meaningful for errors of the request
 * stream itself: a handler's own client calls can fail the same way.
 */
export function isUnparsableRequest(error: unknown): error is ConnectError {
  return error instanceof ConnectError && error.code === Code.Internal && error.rawMessage.startsWith(UNPARSABLE_REQUEST_PREFIX);
}

/** unparsableAsInvalidArgument returns the InvalidArgument error that replaces connect's Internal one. */
export function unparsableAsInvalidArgument(error: ConnectError): ConnectError {
  return new ConnectError(error.rawMessage, Code.InvalidArgument, error.metadata, undefined, error);
}

/** HandlerStarted is set once the interceptors of a call run, which for a unary call means its request parsed. */
interface HandlerStarted {
  started: boolean;
}

/** handlerStartedKey holds a call's HandlerStarted in its context values. */
export const handlerStartedKey = createContextKey<HandlerStarted | undefined>(undefined, { description: 'mesh: handler started' });

/** markHandlerStarted records that the interceptors of a call run. */
export function markHandlerStarted(values: ContextValues): void {
  const flag = values.get(handlerStartedKey);
  if (flag) flag.started = true;
}

const GRPC_WEB = /^application\/grpc-web/i;
const GRPC = /^application\/grpc/i;

/**
 * withUnparsableAsInvalidArgument wraps the universal handler of a unary
 * method so that a request message connect cannot parse is answered
 * InvalidArgument, in each protocol's own shape. connect-node parses a unary
 * request before any interceptor runs and writes its Internal error itself,
 * so the answer is rewritten here, and only for calls whose interceptors
 * never ran (an error of the handler's own is never touched). Streaming
 * methods parse inside the interceptors: see createUnparsableRequestInterceptor.
 */
export function withUnparsableAsInvalidArgument(handler: UniversalHandler): UniversalHandler {
  if (handler.method.methodKind !== 'unary') return handler;
  // One `then`, not an async function: this runs on every unary call.
  const wrapped = (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const flag: HandlerStarted = { started: false };
    request.contextValues?.set(handlerStartedKey, flag);
    return handler(request).then((response) => (flag.started || request.contextValues === undefined ? response : asInvalidArgument(request, response)));
  };
  return Object.assign(wrapped, {
    protocolNames: handler.protocolNames,
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}

/** asInvalidArgument rewrites the answer of a call whose request did not parse (its interceptors never ran). */
function asInvalidArgument(request: UniversalServerRequest, response: UniversalServerResponse): UniversalServerResponse | Promise<UniversalServerResponse> {
  const contentType = request.header.get('content-type') ?? '';
  if (GRPC_WEB.test(contentType)) return rewriteGrpcWeb(response);
  if (GRPC.test(contentType)) {
    // The error is already in the trailer: untilFirst ran the call to its end.
    if (response.trailer) rewriteGrpcStatus(response.trailer);
    return response;
  }
  return rewriteConnectUnary(response);
}

function rewriteGrpcStatus(trailer: Headers): boolean {
  if (trailer.get('grpc-status') !== String(Code.Internal)) return false;
  if (!decodeURIComponent(trailer.get('grpc-message') ?? '').startsWith(UNPARSABLE_REQUEST_PREFIX)) return false;
  trailer.set('grpc-status', String(Code.InvalidArgument));
  return true;
}

async function readBody(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// A call that failed before its first message has one body chunk: the trailer envelope.
async function rewriteGrpcWeb(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (!response.body) return response;
  const bytes = await readBody(response.body);
  const body = { ...response, body: createAsyncIterable([bytes]) };
  // Flag exactly trailerFlag: a compressed trailer (flag | 1) is left alone.
  if (bytes.length < 5 || bytes[0] !== trailerFlag || new DataView(bytes.buffer, bytes.byteOffset).getUint32(1) !== bytes.length - 5) return body;
  const trailer = trailerParse(bytes.subarray(5));
  if (!rewriteGrpcStatus(trailer)) return body;
  return { ...response, body: createAsyncIterable([encodeEnvelope(trailerFlag, trailerSerialize(trailer))]) };
}

async function rewriteConnectUnary(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  const header = response.header;
  if (response.status !== codeToHttpStatus(Code.Internal) || !response.body || !header || header.has('content-encoding')) return response;
  const bytes = await readBody(response.body);
  let error: { code?: unknown; message?: unknown };
  try {
    error = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof error;
  } catch {
    return { ...response, body: createAsyncIterable([bytes]) };
  }
  if (error.code !== 'internal' || typeof error.message !== 'string' || !error.message.startsWith(UNPARSABLE_REQUEST_PREFIX)) {
    return { ...response, body: createAsyncIterable([bytes]) };
  }
  const rewritten = Buffer.from(JSON.stringify({ ...error, code: 'invalid_argument' }), 'utf8');
  header.set('content-length', String(rewritten.byteLength));
  return { ...response, status: codeToHttpStatus(Code.InvalidArgument), header, body: createAsyncIterable([rewritten]) };
}
