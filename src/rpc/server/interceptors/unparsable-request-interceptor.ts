import type { Interceptor } from '@connectrpc/connect';
import { callNext } from '../../interceptors/call-next.js';
import { isUnparsableRequest, markHandlerStarted, unparsableAsInvalidArgument } from '../unparsable-request.js';

/**
 * createUnparsableRequestInterceptor, the outermost server interceptor,
 * makes a request message that is not valid protobuf fail with
 * InvalidArgument instead of connect's Internal. A streamed request is parsed
 * while the handler pulls it, inside the interceptors, so its errors are
 * mapped here, where they leave the request stream (not the handler's own
 * errors). A unary request was parsed before any interceptor ran; this only
 * marks that it did, for withUnparsableAsInvalidArgument.
 */
export function createUnparsableRequestInterceptor(): Interceptor {
  // Plain functions, not async ones: each server interceptor runs on every
  // call, and every promise an async function makes runs the process's
  // AsyncLocalStorage hooks too (see callNext).
  return (next) => (request) => {
    markHandlerStarted(request.contextValues);
    if (!request.stream) return callNext(next, request);
    return callNext(next, { ...request, message: mapParseErrors(request.message) });
  };
}

async function* mapParseErrors<T>(messages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    throw isUnparsableRequest(error) ? unparsableAsInvalidArgument(error) : error;
  }
}
