import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { context as otelContext, isSpanContextValid, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { randomHex } from './random-hex.js';

// W3C trace ids are 16 bytes, span ids 8.
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

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
  return randomHex(TRACE_ID_BYTES);
}

/** newSpanId returns a random W3C span id. */
export function newSpanId(): string {
  return randomHex(SPAN_ID_BYTES);
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
 *
 * With OpenTelemetry started, it also runs fn in the OTel context of that
 * trace: under the active span when it is of the same trace, under the
 * context's `spanId` as a remote parent when one came in, else with no parent
 * span, so that the next span started is a root of `traceId` (the telemetry
 * id generator adopts it). Without OpenTelemetry the API is a no-op and only
 * the AsyncLocalStorage store changes.
 */
export function runWithContext<T>(context: Partial<RequestContext>, fn: () => T): T {
  const current = getContext();
  let next: RequestContext;
  if (current === undefined) {
    // The common case of a consumer or server loop, built without the spreads
    // below: this runs for every consumed event and every served call.
    next = definedFields(context) as RequestContext;
    next.traceId ??= newTraceId();
    next.correlationId ??= randomUUID();
  } else {
    const defined = definedFields(context);
    // A span id belongs to its trace: a new trace id without a span id has no parent yet.
    const base = defined.traceId !== undefined && defined.traceId !== current.traceId ? withoutSpanId(current) : current;
    next = createContext({ ...base, ...defined });
  }
  return storage.run(next, runInTrace<T>, next, fn);
}

function definedFields(context: Partial<RequestContext>): Partial<RequestContext> {
  const defined: Record<string, unknown> = {};
  for (const key in context) {
    const value = context[key as keyof RequestContext];
    if (value !== undefined && Object.hasOwn(context, key)) defined[key] = value;
  }
  return defined as Partial<RequestContext>;
}

/**
 * getContext returns the request context of the current async flow, if any.
 * While an OpenTelemetry span is active its trace and span ids win, so the
 * context and OTel never disagree; a span without a request context yields
 * one whose correlation id is the trace id in UUID form.
 */
export function getContext(): RequestContext | undefined {
  const store = storage.getStore();
  const span = activeSpanContext();
  if (!span) return store;
  if (!store) return { traceId: span.traceId, spanId: span.spanId, correlationId: traceIdAsUuid(span.traceId) };
  if (store.traceId === span.traceId && store.spanId === span.spanId) return store;
  return { ...store, traceId: span.traceId, spanId: span.spanId };
}

function activeSpanContext(): SpanContext | undefined {
  const span = trace.getSpanContext(otelContext.active());
  return span && isSpanContextValid(span) ? span : undefined;
}

function runInTrace<T>(context: RequestContext, fn: () => T): T {
  const active = activeSpanContext();
  if (active?.traceId === context.traceId) return fn();
  if (context.spanId === undefined) {
    return active ? otelContext.with(trace.deleteSpan(otelContext.active()), fn) : fn();
  }
  // The toolkit's own traceparent always says sampled (formatTraceparent).
  const parent = trace.wrapSpanContext({ traceId: context.traceId, spanId: context.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  return otelContext.with(trace.setSpan(otelContext.active(), parent), fn);
}

function withoutSpanId(context: RequestContext): RequestContext {
  const { spanId: _parentOfAnotherTrace, ...rest } = context;
  return rest;
}

function traceIdAsUuid(traceId: string): string {
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}
