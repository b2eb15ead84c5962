import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * RequestContext is what travels with a unit of work across services and
 * Kafka hops: who asked, on whose behalf, as part of which trace, and until when.
 */
export interface RequestContext {
  /** W3C trace id (32 lowercase hex). */
  traceId: string;
  /** The span the current work runs under (16 lowercase hex), when known. */
  spanId?: string;
  /** Ties together everything one business operation caused, across traces. */
  correlationId: string;
  /** End-user identity; service identity travels separately. */
  userId?: string;
  tenantId?: string;
  /** The end user's bearer token, forwarded as-is; never logged. */
  authToken?: string;
  /** Absolute deadline in epoch milliseconds; outgoing calls never get more. */
  deadline?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** newTraceId returns a random W3C trace id. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** newSpanId returns a random W3C span id. */
export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * createContext fills in what a caller left out: a fresh trace id and a
 * correlation id (the trace id's UUID form is not reused, so they can differ).
 */
export function createContext(partial: Partial<RequestContext> = {}): RequestContext {
  return { ...partial, traceId: partial.traceId ?? newTraceId(), correlationId: partial.correlationId ?? randomUUID() };
}

/**
 * runWithContext runs fn with a request context: fields given override the
 * current context's, so a nested call keeps its trace and correlation ids.
 */
export function runWithContext<T>(context: Partial<RequestContext>, fn: () => T): T {
  const defined = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return storage.run(createContext({ ...storage.getStore(), ...defined }), fn);
}

/** getContext returns the request context of the current async flow, if any. */
export function getContext(): RequestContext | undefined {
  return storage.getStore();
}
