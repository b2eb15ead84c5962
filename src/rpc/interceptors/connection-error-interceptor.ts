import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { callNext } from './call-next.js';

/**
 * CONNECTION_LOST_ERROR_CODES are Node.js error codes that mean the connection
 * to the server broke under a call, as opposed to the call being refused or
 * answered.
 */
export const CONNECTION_LOST_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
]);

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

// Canceled that the caller did not ask for comes from an HTTP/2 stream reset
// with CANCEL, which Node uses for the streams of a session that died.
function isConnectionLoss(connectError: ConnectError, error: unknown): boolean {
  if (connectError.code === Code.Canceled) return true;
  return connectError.code === Code.Aborted && causeCodes(error).some((c) => CONNECTION_LOST_ERROR_CODES.has(c));
}

/** ConnectionErrorInterceptorOptions configures createConnectionErrorInterceptor. */
export interface ConnectionErrorInterceptorOptions {
  /**
   * Says what to report for a failed attempt, before connection losses are
   * mapped: the HTTP client's explanation of connections that failed as
   * they were set up (see MeshHttpClient.explainFailure), given the request
   * URL and when the attempt started (epoch milliseconds).
   * @defaultValue undefined (the failure as it came)
   */
  explainFailure?: (error: unknown, url: string, startedAt: number) => unknown;
}

/**
 * createConnectionErrorInterceptor returns an interceptor that reports a
 * connection lost under a call (reset by a dying server, GOAWAY) as
 * Unavailable, as gRPC does. connect-node maps ECONNRESET to Aborted (a code
 * meant for servers whose client hung up) and the streams of a dead session
 * to Canceled; for a client either would hide the failure from the breaker
 * and the retry policy. Calls the caller cancelled keep their code.
 */
export function createConnectionErrorInterceptor(options: ConnectionErrorInterceptorOptions = {}): Interceptor {
  const explainFailure = options.explainFailure;
  // One `then` rather than async/await (see callNext).
  return (next) => (req) => {
    const startedAt = explainFailure ? Date.now() : 0;
    return callNext(next, req).then(undefined, (error: unknown) => {
      throw connectionLossToUnavailable(explainFailure ? explainFailure(error, req.url, startedAt) : error, req.signal);
    });
  };
}

// A loss the caller did not cause (its signal is not aborted) becomes Unavailable; anything else stays as it is.
function connectionLossToUnavailable(error: unknown, signal: AbortSignal): unknown {
  const connectError = ConnectError.from(error);
  if (!signal.aborted && isConnectionLoss(connectError, error)) {
    return new ConnectError(`connection lost: ${connectError.rawMessage}`, Code.Unavailable, connectError.metadata, undefined, error);
  }
  return error;
}
