import { createContextKey, type Context } from '@opentelemetry/api';
import { activeContext, contextStorage } from '../context/index.js';

/** CAUSATION_ID_KEY is where the id of the event being handled sits in the one context storage. */
const CAUSATION_ID_KEY = createContextKey('service-mesh-toolkit.causation-id');

/**
 * runWithCausation runs fn as the handling of event `eventId`: events
 * published inside it get that id as their `ce_causationid` unless the
 * publisher names another cause. It lives in the toolkit's one context
 * storage (contextStorage) rather than an AsyncLocalStorage of its own: each
 * enabled storage adds work to every promise a consumer creates.
 */
export function runWithCausation<T>(eventId: string, fn: () => T): T {
  return contextStorage.run(withCausation(activeContext(), eventId), fn);
}

/** withCausation returns `context` with `eventId` as the cause, for a caller that runs it in contextStorage itself (one run for request context and cause). */
export function withCausation(context: Context, eventId: string): Context {
  return context.setValue(CAUSATION_ID_KEY, eventId);
}

/** currentCausationId returns the id of the event being handled in the current async flow, if any. */
export function currentCausationId(): string | undefined {
  return activeContext().getValue(CAUSATION_ID_KEY) as string | undefined;
}
