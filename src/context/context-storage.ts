import { AsyncLocalStorage } from 'node:async_hooks';
import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/**
 * contextStorage is the process's one AsyncLocalStorage for request-scoped
 * state. It holds an OpenTelemetry Context; the toolkit's RequestContext is a
 * value in it (REQUEST_CONTEXT_KEY). With telemetry started, MeshContextManager
 * makes it OpenTelemetry's storage too: on Node 20 every enabled
 * AsyncLocalStorage adds work to every promise the process creates, so one
 * storage instead of two is measurably cheaper on every call.
 */
export const contextStorage = new AsyncLocalStorage<Context>();

/** REQUEST_CONTEXT_KEY is where the RequestContext sits in the OpenTelemetry Context. */
export const REQUEST_CONTEXT_KEY = createContextKey('service-mesh-toolkit.request-context');

/** activeContext returns the Context of the current async flow (ROOT_CONTEXT outside any). */
export function activeContext(): Context {
  return contextStorage.getStore() ?? ROOT_CONTEXT;
}
