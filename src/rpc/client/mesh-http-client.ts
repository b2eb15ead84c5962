import { Code, ConnectError } from '@connectrpc/connect';
import type { UniversalClientFn } from '@connectrpc/connect/protocol';
import { createNodeHttpClient, type Http2SessionOptions } from '@connectrpc/connect-node';
import { toNodeTlsOptions, type ClientTlsOptions } from './client-tls-options.js';
import { leaseHttp2Session, type Http2SessionLease } from './http2-session-pool.js';
import { connectionFailureError, connectionFailureOf } from './connection-failure.js';
import { createMeshHttp2Client } from './mesh-http2-client.js';

/** MeshHttpClient is an HTTP client for any number of origins, and the way to let go of its connections. */
export interface MeshHttpClient {
  /** httpClient sends requests and reports connections that failed as they were set up (see explainFailure). */
  readonly httpClient: UniversalClientFn;
  /**
   * unexplainedHttpClient is httpClient without the explaining: for a stack
   * that passes every failure through explainFailure itself (one promise
   * and closure fewer per request), as createMeshClient's connection-error
   * interceptor does.
   */
  readonly unexplainedHttpClient: UniversalClientFn;
  /**
   * explainFailure returns what to report for `error`, the failure of a
   * request to `url` started at `startedAt` (epoch milliseconds): a
   * connection that failed as it was set up (TLS refused, a TLS server that
   * hung up on cleartext) as Unavailable saying why, else `error` itself.
   */
  explainFailure(error: unknown, url: string, startedAt: number): unknown;
  /** close releases the HTTP/2 sessions; later requests fail with Canceled. */
  close(): void;
}

/**
 * createMeshHttpClient returns an HTTP client for connect-es transports that
 * serves every origin a balancer may send to, with `tls` (CA, client
 * certificate) for https origins: connect-node's over HTTP/1.1, the
 * toolkit's createMeshHttp2Client over HTTP/2. Over HTTP/2 it leases the process-wide
 * session of each origin on first use (see leaseHttp2Session), so clients of
 * one endpoint share one connection.
 */
export function createMeshHttpClient(options: { httpVersion: '1.1' | '2'; http2?: Http2SessionOptions; tls?: ClientTlsOptions; name: string }): MeshHttpClient {
  if (options.httpVersion === '1.1') {
    const nodeOptions = options.tls ? toNodeTlsOptions(options.tls) : undefined;
    const http1 = createNodeHttpClient({ httpVersion: '1.1', ...(nodeOptions && { nodeOptions }) });
    const explainFailure = (error: unknown, url: string): unknown => explainedFailure(error, new URL(url).origin);
    return {
      httpClient: (request) =>
        http1(request).catch((error: unknown) => {
          throw explainFailure(error, request.url);
        }),
      unexplainedHttpClient: http1,
      explainFailure,
      close() {},
    };
  }
  const sessions = new Map<string, Http2SessionLease>();
  let closed = false;
  // The toolkit's own HTTP/2 client function: connect-node's, less work per call (see createMeshHttp2Client).
  const http2 = createMeshHttp2Client((origin) => {
    if (closed) throw new ConnectError(`client of ${options.name} is closed`, Code.Canceled);
    let lease = sessions.get(origin);
    if (!lease) {
      lease = leaseHttp2Session(origin, options.http2, options.tls);
      sessions.set(origin, lease);
    }
    return lease.sessions;
  });
  // A session that died as it was set up (TLS refused, a TLS server hung up
  // on cleartext) fails its streams with a bare CANCEL; the lease kept why.
  const explainFailure = (error: unknown, url: string, startedAt: number): unknown => {
    // Only failures get here: parsing the URL again costs nothing that matters.
    const origin = new URL(url).origin;
    if (connectionFailureOf(error)) return explainedFailure(error, origin);
    const failure = sessions.get(origin)?.connectionFailure();
    return explainedFailure(failure && failure.at >= startedAt ? failure.error : error, origin, error);
  };
  const httpClient: UniversalClientFn = (request) => {
    const startedAt = Date.now();
    return http2(request).catch((error: unknown) => {
      throw explainFailure(error, request.url, startedAt);
    });
  };
  return {
    httpClient,
    unexplainedHttpClient: http2,
    explainFailure,
    close() {
      closed = true;
      for (const lease of sessions.values()) lease.release();
      sessions.clear();
    },
  };
}

function explainedFailure(error: unknown, origin: string, original: unknown = error): unknown {
  const failure = connectionFailureOf(error);
  return failure ? connectionFailureError(origin, failure) : original;
}
