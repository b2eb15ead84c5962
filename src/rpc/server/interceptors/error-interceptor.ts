import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { callNext } from '../../interceptors/call-next.js';
import { getContext } from '../../../context/index.js';

/** INTERNAL_ERROR_MESSAGE is all a client learns about an unexpected error. */
export const INTERNAL_ERROR_MESSAGE = 'internal error';

/** UnexpectedErrorInfo says where an unexpected error happened, for the server log. */
export interface UnexpectedErrorInfo {
  /** procedure is "/package.Service/Method". */
  readonly procedure: string;
  readonly traceId?: string;
  readonly correlationId?: string;
}

/** ErrorInterceptorOptions configure createErrorInterceptor. */
export interface ErrorInterceptorOptions {
  /**
   * mapError turns a typed error of your own (one that is not a ConnectError)
   * into a ConnectError with its code and details; return undefined to treat
   * it as unexpected.
   *
   * @defaultValue no mapping
   */
  mapError?: (error: unknown) => ConnectError | undefined;
  /**
   * onUnexpectedError receives the original error, stack included, before
   * the client gets Internal with a generic message.
   *
   * @defaultValue logUnexpectedError (console.error)
   */
  onUnexpectedError?: (error: unknown, info: UnexpectedErrorInfo) => void;
}

/** logUnexpectedError is the default onUnexpectedError: one console.error line with the stack. */
export function logUnexpectedError(error: unknown, info: UnexpectedErrorInfo): void {
  const where = `${info.procedure}${info.traceId ? ` trace=${info.traceId}` : ''}`;
  console.error(`mesh: unexpected error in ${where}:`, error);
}

/**
 * createErrorInterceptor makes sure only deliberate errors reach clients:
 * ConnectErrors pass with their code and details, `mapError` translates typed
 * errors, and anything else becomes Internal with a generic message while
 * the original (and its stack) goes to the server log.
 */
export function createErrorInterceptor(options: ErrorInterceptorOptions = {}): Interceptor {
  const onUnexpected = options.onUnexpectedError ?? logUnexpectedError;
  const toConnectError = (error: unknown, procedure: string, signal: AbortSignal): ConnectError => {
    if (error instanceof ConnectError) return error;
    const mapped = options.mapError?.(error);
    if (mapped) return mapped;
    // A handler that honours its signal throws an AbortError; the signal's
    // reason (deadline, shutdown, client cancel) is what the client should hear.
    if (error instanceof Error && error.name === 'AbortError') {
      return signal.aborted ? ConnectError.from(signal.reason) : new ConnectError('operation was aborted', Code.Canceled);
    }
    const context = getContext();
    onUnexpected(error, { procedure, traceId: context?.traceId, correlationId: context?.correlationId });
    return new ConnectError(INTERNAL_ERROR_MESSAGE, Code.Internal);
  };
  const procedureOf = (request: { service: { typeName: string }; method: { name: string } }) => `/${request.service.typeName}/${request.method.name}`;
  return (next) => (request) => {
    // A unary response is never a stream: one `then` and no async function on every call.
    if (request.method.methodKind === 'unary') {
      return callNext(next, request).then(undefined, (error: unknown) => {
        throw toConnectError(error, procedureOf(request), request.signal);
      });
    }
    return callNext(next, request).then(
      (response) => {
        if (!response.stream) return response;
        return { ...response, message: mapStreamErrors(response.message, (error) => toConnectError(error, procedureOf(request), request.signal)) };
      },
      (error: unknown) => {
        throw toConnectError(error, procedureOf(request), request.signal);
      },
    );
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, map: (error: unknown) => ConnectError): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    throw map(error);
  }
}
