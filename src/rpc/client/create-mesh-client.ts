import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import type { Http2SessionOptions } from '@connectrpc/connect-node';
import { type CircuitBreaker, type Disposable, type RetryBudget } from '../../resilience/index.js';
import { createBalancerInterceptor } from '../interceptors/balancer-interceptor.js';
import { createBreakerInterceptor } from '../interceptors/breaker-interceptor.js';
import {
  createBreakerRegistry,
  type BreakerOptions,
  type BreakerRegistry,
  type EndpointStateChange,
} from '../interceptors/breaker-registry.js';
import { createConnectionErrorInterceptor } from '../interceptors/connection-error-interceptor.js';
import { ALWAYS_READ_CONTEXT, createContextInterceptor } from '../interceptors/context-interceptor.js';
import { createDeadlineInterceptor, type DeadlineOptions } from '../interceptors/deadline-interceptor.js';
import { createServiceTokenInterceptor, type ServiceTokenInterceptorOptions } from '../interceptors/service-token-interceptor.js';
import { createRetryInterceptor, resolveRetryBudget, type RetryOptions } from '../interceptors/retry-interceptor.js';
import { createClientTracingInterceptor } from '../../telemetry/client-tracing-interceptor.js';
import { observeBreakerStates } from '../../telemetry/breaker-state-gauge.js';
import { instrumentRetryBudget } from '../../telemetry/instrument-retry-budget.js';
import { recordRetryEvent } from '../../telemetry/span-events.js';
import { isTelemetryEnabled } from '../../telemetry/telemetry-enabled.js';
import type { ClientTlsOptions } from './client-tls-options.js';
import { createDeadlineTransport } from './deadline-transport.js';
import { createMeshHttpClient } from './mesh-http-client.js';
import { createMeshTransport, type RpcProtocol } from './mesh-transport.js';
import { parseBaseUrls } from './parse-base-urls.js';

/** DEFAULT_PROTOCOL is the wire protocol of clients that name none. */
export const DEFAULT_PROTOCOL: RpcProtocol = 'connect';
/** DEFAULT_HTTP_VERSION is HTTP/2, whose sessions are shared per endpoint and reused across calls. */
export const DEFAULT_HTTP_VERSION: HttpVersion = '2';

/** HttpVersion is the HTTP version a client speaks; gRPC needs '2'. */
export type HttpVersion = '1.1' | '2';

/**
 * ServiceClientOptions configures createMeshClient and createServiceClient.
 * The deadline options (`defaultTimeoutMs`, `methodTimeoutsMs`, `minBudgetMs`)
 * sit at the top level.
 */
export interface ServiceClientOptions extends DeadlineOptions {
  /**
   * Endpoints of the service: one base URL, a comma-separated list, or an
   * array. Several endpoints are balanced (power of two choices).
   */
  baseUrls: string | readonly string[];
  /**
   * Wire protocol.
   * @defaultValue DEFAULT_PROTOCOL ('connect')
   */
  protocol?: RpcProtocol;
  /**
   * HTTP version.
   * @defaultValue DEFAULT_HTTP_VERSION ('2')
   */
  httpVersion?: HttpVersion;
  /**
   * TLS options for https endpoints: the CA to trust and, for mutual TLS,
   * this client's certificate and key. Clients with different certificates
   * never share a connection.
   * @defaultValue Node's defaults (public CAs, no client certificate)
   */
  tls?: ClientTlsOptions;
  /**
   * Sign every call with this service's token (see createServiceTokenInterceptor).
   * @defaultValue undefined (no service token)
   */
  serviceToken?: ServiceTokenInterceptorOptions;
  /**
   * Keep-alive options of HTTP/2 sessions; the first client of an endpoint decides them.
   * @defaultValue DEFAULT_HTTP2_SESSION_OPTIONS (PING after 10 s without data, 5 s to answer)
   */
  http2?: Http2SessionOptions;
  /**
   * Send JSON instead of binary protobuf (Connect and gRPC-Web).
   * @defaultValue false
   */
  useJson?: boolean;
  /**
   * Retry options, or false for no retries.
   * @defaultValue retries with DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRYABLE_CODES and a new per-client budget
   */
  retry?: RetryOptions | false;
  /**
   * Circuit breaker options (a breaker per endpoint), a registry to share
   * breakers with other clients, or false for none.
   * @defaultValue a new registry with the CircuitBreaker defaults and DEFAULT_BREAKER_FAILURE_CODES
   */
  breaker?: BreakerOptions | { registry: BreakerRegistry } | false;
  /**
   * Extra interceptors; they run innermost, once per attempt, just before the transport.
   * @defaultValue []
   */
  interceptors?: readonly Interceptor[];
}

/** MeshClient is a typed client together with what runs it: breakers, retry budget, connections. */
export interface MeshClient<S extends DescService> {
  /** client is the typed Connect client. */
  readonly client: Client<S>;
  readonly service: S;
  /** endpoints are the normalised base URLs calls are balanced over. */
  readonly endpoints: readonly string[];
  readonly protocol: RpcProtocol;
  /** retryBudget is the budget of this client's target, undefined when retries are off. */
  readonly retryBudget: RetryBudget | undefined;
  /** breakers returns the breaker of each endpoint called so far; empty when breakers are off. */
  breakers(): ReadonlyMap<string, CircuitBreaker>;
  /** breaker returns the breaker of `endpoint` (created on demand), undefined when breakers are off. */
  breaker(endpoint: string): CircuitBreaker | undefined;
  /** onBreakerStateChange calls `listener` on every breaker transition; dispose the result to stop. */
  onBreakerStateChange(listener: (change: EndpointStateChange) => void): Disposable;
  /** outstanding returns the calls in flight per endpoint. */
  outstanding(): ReadonlyMap<string, number>;
  /** close releases this client's HTTP/2 sessions; later calls fail with Canceled. */
  close(): void;
}

/**
 * createMeshClient turns a generated service into a client behind the
 * toolkit's interceptors, over connect-node's HTTP/2 sessions (one per
 * endpoint, shared by every client of that endpoint in the process).
 *
 * The interceptors, outermost first:
 *
 *   context → tracing → deadline → retry → balancer → breaker → service token
 *     → user interceptors → connection errors → transport
 *
 * which is the DESIGN order "context/trace → deadline → retry → breaker →
 * balancer → transport" with the breaker and balancer read as one per-endpoint
 * stage: a breaker guards one endpoint, so the endpoint must be chosen before
 * the breaker can be asked. The balancer therefore picks among endpoints whose
 * breaker admits a call and rewrites the request URL; the breaker of the
 * chosen endpoint then admits the call (or fails it fast) and records its
 * outcome. Because both sit inside retry, every attempt is balanced afresh and
 * a retry can land on a healthy endpoint. With a single endpoint there is no
 * balancer. User interceptors see every attempt. The innermost interceptor
 * reports a connection lost under a call as Unavailable (connect-node says
 * Aborted), so that breaker and retry see a dying server for what it is.
 *
 * The transport is wrapped in createDeadlineTransport, which hands each
 * unary call's deadline to connect-es up front, so that connect-es's own
 * deadline signal and timeout header serve and the deadline interceptor only
 * publishes the deadline (same deadline, one timer and controller fewer).
 *
 * Telemetry (src/telemetry): one CLIENT span per logical call with its
 * retries, breaker rejections and deadline exhaustion as events, retries and
 * budget exhaustion counted, and the breakers' states on `mesh.breaker.state`.
 * Without startTelemetry these are OpenTelemetry's no-ops.
 */
export function createMeshClient<S extends DescService>(service: S, options: ServiceClientOptions): MeshClient<S> {
  const endpoints = parseBaseUrls(options.baseUrls);
  const protocol = options.protocol ?? DEFAULT_PROTOCOL;
  const httpVersion = options.httpVersion ?? DEFAULT_HTTP_VERSION;
  if (protocol === 'grpc' && httpVersion !== '2') {
    throw new RangeError('the gRPC protocol needs HTTP/2');
  }
  const breakerOption = options.breaker ?? {};
  const registry =
    breakerOption === false
      ? undefined
      : 'registry' in breakerOption
        ? breakerOption.registry
        : createBreakerRegistry({ name: service.typeName, ...breakerOption });
  const retryBudget = options.retry === false ? undefined : resolveRetryBudget(options.retry?.budget);
  // The client keeps exposing the budget itself; the retry interceptor draws through the counting view.
  const countedBudget = retryBudget && instrumentRetryBudget(retryBudget, service.typeName);
  const userOnRetry = options.retry === false ? undefined : options.retry?.onRetry;
  const onRetry: RetryOptions['onRetry'] = userOnRetry
    ? (event) => {
        recordRetryEvent(event);
        userOnRetry(event);
      }
    : recordRetryEvent;
  const balancer = endpoints.length > 1 ? createBalancerInterceptor({ endpoints, breakers: registry }) : undefined;

  const http = createMeshHttpClient({
    httpVersion,
    name: service.typeName,
    ...(options.http2 ? { http2: options.http2 } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  let closed = false;
  // Inside the context interceptor only telemetry and the user's own code
  // (interceptors, onRetry, breaker listeners, which run in the call that
  // moved the breaker) may read the request context; without them a call
  // made outside any context need not run inside its fresh one. A registry
  // passed in may have listeners this client never hears of.
  const sharedRegistry = breakerOption !== false && 'registry' in breakerOption;
  const userCodeInside = (options.interceptors?.length ?? 0) > 0 || userOnRetry !== undefined || sharedRegistry;
  let breakerListeners = 0;
  const innerReadsContext = userCodeInside ? ALWAYS_READ_CONTEXT : () => breakerListeners > 0 || isTelemetryEnabled();
  const interceptors: Interceptor[] = [
    createContextInterceptor({ innerReadsContext }),
    createClientTracingInterceptor(),
    createDeadlineInterceptor(options),
    // The toolkit's inner interceptors only set headers: retries need no copy made before the first attempt unless the user's may append.
    ...(options.retry === false
      ? []
      : [createRetryInterceptor({ snapshotHeader: (options.interceptors?.length ?? 0) > 0, ...options.retry, budget: countedBudget ?? false, onRetry })]),
    ...(balancer ? [balancer.interceptor] : []),
    ...(registry ? [createBreakerInterceptor({ registry })] : []),
    // Per attempt, so a retry after a long backoff still carries a live token.
    ...(options.serviceToken ? [createServiceTokenInterceptor(options.serviceToken)] : []),
    ...(options.interceptors ?? []),
    // Explains connections that failed as they were set up, in place of the HTTP client's own wrapper.
    createConnectionErrorInterceptor({ explainFailure: http.explainFailure }),
  ];

  const breakerGauge = registry ? observeBreakerStates(registry) : undefined;

  const transport = createMeshTransport({
    protocol,
    baseUrl: endpoints[0]!,
    httpClient: http.unexplainedHttpClient,
    interceptors,
    ...(options.useJson === undefined ? {} : { useJson: options.useJson }),
  });

  return {
    // The deadline transport lets connect-es arm each call's deadline, so the deadline interceptor need not arm another.
    client: createClient(service, closedGuard(createDeadlineTransport(transport, options), () => closed, service.typeName)),
    service,
    endpoints,
    protocol,
    retryBudget,
    breakers: () => registry?.breakers() ?? new Map(),
    breaker: (endpoint) => registry?.get(endpoint),
    onBreakerStateChange(listener) {
      if (!registry) return { dispose() {} };
      const subscription = registry.onStateChange(listener);
      breakerListeners++;
      let disposed = false;
      return {
        dispose() {
          if (disposed) return;
          disposed = true;
          breakerListeners--;
          subscription.dispose();
        },
      };
    },
    outstanding: () => balancer?.outstanding() ?? new Map(endpoints.map((e) => [e, 0])),
    close() {
      closed = true;
      breakerGauge?.dispose();
      http.close();
    },
  };
}

// A closed client fails its calls before any interceptor runs. A transport
// wrapper rather than the outermost interceptor: connect-es builds the
// interceptor chain afresh for every call, so each interceptor is a closure
// made per call.
function closedGuard(transport: Transport, isClosed: () => boolean, name: string): Transport {
  const closedError = () => new ConnectError(`client of ${name} is closed`, Code.Canceled);
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      isClosed() ? Promise.reject(closedError()) : transport.unary(method, signal, timeoutMs, header, input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      isClosed() ? Promise.reject(closedError()) : transport.stream(method, signal, timeoutMs, header, input, contextValues),
  };
}
