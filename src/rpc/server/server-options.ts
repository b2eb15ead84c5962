import type { SecureServerOptions } from 'node:http2';
import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouterOptions, Interceptor } from '@connectrpc/connect';
import type { HealthRegistry } from './health/health-registry.js';
import type { IdempotencyOptions } from './idempotency-guard.js';
import type { ErrorInterceptorOptions } from './interceptors/error-interceptor.js';
import type { ServiceAuthOptions } from './interceptors/service-auth-interceptor.js';
import type { ServerServices } from './service-registration.js';
import type { ServerStatusSources } from './status/server-status-service.js';
import type { UnaryWrapper } from './unary-wrapper.js';

/** DEFAULT_PORT lets the OS pick a free port; read the chosen one from `server.port`. */
export const DEFAULT_PORT = 0;
/** DEFAULT_READ_MAX_BYTES caps one request message at 4 MiB, gRPC's usual default; larger ones fail with ResourceExhausted. */
export const DEFAULT_READ_MAX_BYTES = 4 * 1024 * 1024;
/** DEFAULT_MAX_HEADER_LIST_SIZE caps request headers (metadata) at 16 KiB, gRPC core's hard limit. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 16 * 1024;
/** DEFAULT_SHUTDOWN_TIMEOUT_MS is how long `close()` lets in-flight calls finish before cancelling them. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** CLOSE_GRACE_MS is how long connections get to go away on their own (GOAWAY sent, cancellations written) before they are destroyed. */
export const CLOSE_GRACE_MS = 500;

/**
 * ServerTlsOptions turn on TLS (HTTP/2 with ALPN, HTTP/1.1 for clients that
 * ask). With `requestCert: true` and a `ca` it is mutual TLS: a client must
 * show a certificate signed by that CA, or its connection is refused
 * (`rejectUnauthorized` defaults to true, as in node:tls).
 */
export type ServerTlsOptions = Pick<SecureServerOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'requestCert' | 'rejectUnauthorized'>;

/** ServerOptions configure createServer. */
export interface ServerOptions {
  /** services are the implementations to serve: `defineService(...)` entries, or a connect router callback. */
  services: ServerServices;
  /**
   * port to listen on.
   *
   * @defaultValue DEFAULT_PORT (any free port)
   */
  port?: number;
  /**
   * host to bind.
   *
   * @defaultValue every interface (Node's default)
   */
  host?: string;
  /**
   * tls serves HTTPS; without it the server speaks cleartext HTTP/2 (h2c,
   * prior knowledge) and HTTP/1.1 on the same port.
   *
   * @defaultValue undefined (cleartext)
   */
  tls?: ServerTlsOptions;
  /**
   * serviceAuth verifies the calling service's token (or client certificate)
   * and checks it against a per-method policy before validation and your
   * interceptors run; see createServiceAuthInterceptor.
   *
   * @defaultValue undefined (no service authentication)
   */
  serviceAuth?: ServiceAuthOptions;
  /**
   * interceptors of your own; they run inside the toolkit's (context, errors,
   * service auth, validation), so they see the RequestContext, the calling
   * service and valid requests.
   *
   * @defaultValue []
   */
  interceptors?: Interceptor[];
  /**
   * unaryWrappers decorate every unary implementation, inside the
   * idempotency guard (the first wrapper is the outermost).
   *
   * @defaultValue []
   */
  unaryWrappers?: UnaryWrapper[];
  /**
   * readMaxBytes caps one request message; larger ones fail with ResourceExhausted.
   *
   * @defaultValue DEFAULT_READ_MAX_BYTES
   */
  readMaxBytes?: number;
  /**
   * maxHeaderListSize caps the request headers (metadata), for HTTP/2 and HTTP/1.1.
   *
   * @defaultValue DEFAULT_MAX_HEADER_LIST_SIZE
   */
  maxHeaderListSize?: number;
  /**
   * shutdownTimeoutMs is how long `close()` waits for in-flight calls.
   *
   * @defaultValue DEFAULT_SHUTDOWN_TIMEOUT_MS
   */
  shutdownTimeoutMs?: number;
  /**
   * validation checks requests against their (mesh.v1.field) rules.
   *
   * @defaultValue true
   */
  validation?: boolean;
  /**
   * idempotency dedupes unary calls that carry an `idempotency-key`; false turns it off.
   *
   * @defaultValue {} (on, with the guard's defaults)
   */
  idempotency?: IdempotencyOptions | false;
  /**
   * errors configures how unexpected errors are mapped and logged.
   *
   * @defaultValue {}
   */
  errors?: ErrorInterceptorOptions;
  /**
   * health serves grpc.health.v1.Health.
   *
   * @defaultValue true
   */
  health?: boolean;
  /**
   * status serves mesh.v1.ServerStatusService (in-flight calls, outgoing
   * breakers); `breakers` replaces the ready clients' breakers as its source;
   * false turns it off.
   *
   * @defaultValue {} (on, reporting the ready clients' breakers)
   */
  status?: Partial<Pick<ServerStatusSources, 'breakers'>> | false;
  /**
   * reflection serves grpc.reflection.v1.ServerReflection (and v1alpha, which older tools ask for).
   *
   * @defaultValue true
   */
  reflection?: boolean;
  /**
   * connect passes other options to connect's router (jsonOptions,
   * maxTimeoutMs, acceptCompression, which protocols to serve, ...).
   *
   * @defaultValue {}
   */
  connect?: Omit<ConnectRouterOptions, 'interceptors' | 'readMaxBytes' | 'shutdownSignal'>;
}

/** CloseOptions configure MeshServer.close. */
export interface CloseOptions {
  /**
   * timeoutMs is how long in-flight calls may still run; then they are
   * cancelled and their connections destroyed.
   *
   * @defaultValue the server's shutdownTimeoutMs
   */
  timeoutMs?: number;
}

/** MeshServer is a listening server. */
export interface MeshServer {
  /** port is the port the server listens on. */
  readonly port: number;
  /** url is a base URL clients can use, e.g. "http://localhost:3001". */
  readonly url: string;
  /** services are the services served, health and reflection included. */
  readonly services: readonly DescService[];
  /** health holds the grpc.health.v1 status of each service; set it to report your own readiness. */
  readonly health: HealthRegistry;
  /**
   * close shuts down gracefully: health turns NOT_SERVING, no new connections
   * are accepted, HTTP/2 sessions get GOAWAY, HTTP/1.1 sockets close when
   * idle, in-flight calls run to completion up to the timeout, and whatever
   * is left is then cancelled. Calling it again returns the same promise.
   */
  close(options?: CloseOptions): Promise<void>;
}
