// The public API of the toolkit: every folder's own index, and nothing else.
// Where two folders export the same name, the explicit line below says which wins.
export * from './context/index.js';
export * from './resilience/index.js';
export * from './rpc/client/index.js';
export * from './rpc/interceptors/index.js';
export * from './rpc/server/index.js';
export * from './rpc/auth/index.js';
export * from './rpc/tls/index.js';
export * from './kafka/index.js';
export * from './events/index.js';
export * from './jobs/index.js';
export * from './saga/index.js';
export * from './replay/index.js';
export * from './telemetry/index.js';

export { createContextInterceptor, IDEMPOTENCY_KEY_HEADER } from './rpc/interceptors/index.js';
export { createContextInterceptor as createServerContextInterceptor } from './rpc/server/index.js';
export { headerText } from './replay/index.js';
export type { SagaOutcome } from './saga/index.js';
export type { SagaOutcome as SagaSpanOutcome } from './telemetry/index.js';
