// Client interceptors of the toolkit. Each works alone; createServiceClient
// stacks them in the documented order (see src/rpc/client/create-mesh-client.ts).
export { createBalancerInterceptor, triedEndpointsKey, type Balancer, type BalancerOptions } from './balancer-interceptor.js';
export { createIsBreakerFailure, DEFAULT_BREAKER_FAILURE_CODES } from './breaker-failure-codes.js';
export { createBreakerInterceptor, type BreakerInterceptorOptions } from './breaker-interceptor.js';
export {
  createBreakerRegistry,
  MAX_REMEMBERED_ENDPOINT_SPELLINGS,
  type BreakerOptions,
  type BreakerRegistry,
  type EndpointStateChange,
} from './breaker-registry.js';
export { armedDeadlineKey, callDeadlineKey, callDeadlineOf } from './call-deadline.js';
export { CONNECTION_LOST_ERROR_CODES, createConnectionErrorInterceptor, type ConnectionErrorInterceptorOptions } from './connection-error-interceptor.js';
export { ALWAYS_READ_CONTEXT, createContextInterceptor, type ContextInterceptorOptions } from './context-interceptor.js';
export {
  callDeadline,
  configuredTimeoutMs,
  createDeadlineInterceptor,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_MIN_CALL_BUDGET_MS,
  resolveDeadlineOptions,
  type DeadlineOptions,
  type ResolvedDeadlineOptions,
} from './deadline-interceptor.js';
export { endpointOfRequest, MAX_REMEMBERED_REQUEST_URLS, normalizeBaseUrl } from './request-endpoint.js';
export { IDEMPOTENCY_KEY_HEADER, isIdempotentMethod, isRetryEligible } from './retry-eligibility.js';
export { retryDelayFromError } from './retry-info.js';
export {
  createRetryInterceptor,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRYABLE_CODES,
  resolveRetryBudget,
  type RetryEvent,
  type RetryOptions,
} from './retry-interceptor.js';
export {
  formatConnectTimeout,
  formatGrpcTimeout,
  readTimeoutHeader,
  wireProtocolOf,
  writeTimeoutHeader,
  type WireProtocol,
} from './timeout-header.js';
export { createServiceTokenInterceptor, type ServiceTokenInterceptorOptions } from './service-token-interceptor.js';
