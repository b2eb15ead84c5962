// Public API of the server kit.
export { createServer } from './create-server.js';
export {
  CLOSE_GRACE_MS,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_PORT,
  DEFAULT_READ_MAX_BYTES,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type CloseOptions,
  type MeshServer,
  type ServerOptions,
  type ServerTlsOptions,
} from './server-options.js';
export { serverTlsFromEnv } from './server-tls-from-env.js';
export { createDomainError, errorInfoOf, type DomainErrorOptions } from './domain-error.js';
export { defineService, toRouteRegistrar, type RouteRegistrar, type ServerServices, type ServiceRegistration } from './service-registration.js';
export { TrailersOnlyResponse, withTrailersOnly, type RequestListener } from './trailers-only.js';
export { isUnparsableRequest, UNPARSABLE_REQUEST_PREFIX, withUnparsableAsInvalidArgument } from './unparsable-request.js';
export { wrapUnaryRoutes, type UnaryHandler, type UnaryWrapper } from './unary-wrapper.js';
export {
  callerScope,
  createIdempotencyGuard,
  DEFAULT_IDEMPOTENCY_MAX_ENTRIES,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  DEFAULT_UNSTORED_CODES,
  IDEMPOTENCY_DOMAIN,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENT_REPLAYED_HEADER,
  type IdempotencyOptions,
} from './idempotency-guard.js';
export * from './interceptors/index.js';
export * from './health/index.js';
export * from './reflection/index.js';
export * from './validation/index.js';
