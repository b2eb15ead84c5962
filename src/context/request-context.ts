import { randomUUID } from 'node:crypto';
import { isSpanContextValid, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { activeContext, contextStorage, REQUEST_CONTEXT_KEY } from './context-storage.js';
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
 * id generator adopts it). Both changes are one `run` of the one context
 * storage (see contextStorage and resolveContext). `otel` is the
 * OpenTelemetry Context to build on, when it is not the active one (the server
 * kit hands its tracing interceptor's span context over this way, to save a
 * `run` per call).
 */
export function runWithContext<T>(context: Partial<RequestContext>, fn: () => T, otel: Context = activeContext()): T {
  return contextStorage.run(resolveContext(context, otel), fn);
}

/**
 * resolveContext returns the storage context runWithContext runs fn in, for
 * callers that add values of their own to it and then make one
 * `contextStorage.run` instead of two nested ones.
 */
export function resolveContext(context: Partial<RequestContext>, otel: Context = activeContext()): Context {
  // Found once: contextIn and inTrace both need it, and validating ids costs two regex tests.
  const span = validSpanContext(otel);
  const store = otel.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
  // A span id belongs to its trace: a new trace id without a span id has no parent yet.
  let next: Partial<RequestContext>;
  if (store === undefined && span !== undefined && context.correlationId !== undefined) {
    // What contextIn would make of the span, less the correlation id the one given replaces (the server kit's every call).
    next = context.traceId !== undefined && context.traceId !== span.traceId ? { traceId: span.traceId } : { traceId: span.traceId, spanId: span.spanId };
  } else {
    const current = contextIn(otel, span);
    next = current === undefined ? {} : context.traceId !== undefined && context.traceId !== current.traceId ? withoutSpanId(current) : { ...current };
  }
  // Runs on every call made and handled: a loop, not entries/filter/fromEntries and two more copies.
  for (const key of Object.keys(context) as Array<keyof RequestContext>) {
    const value = context[key];
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  next.traceId ??= newTraceId();
  next.correlationId ??= randomUUID();
  const complete = next as RequestContext;
  return inTrace(otel, span, complete).setValue(REQUEST_CONTEXT_KEY, complete);
}

/**
 * runInNewContext runs fn with `context` as it is, for a caller outside any
 * request context: what runWithContext(context, fn) does when getContext()
 * is undefined, without looking for a current context to merge into and
 * copying the one given. For the outgoing calls made outside any context.
 */
export function runInNewContext<T>(context: RequestContext, fn: () => T): T {
  // No request context means no valid span either (getContext would make one from it).
  return contextStorage.run(inTrace(activeContext(), undefined, context).setValue(REQUEST_CONTEXT_KEY, context), fn);
}

/**
 * getContext returns the request context of the current async flow, if any.
 * While an OpenTelemetry span is active its trace and span ids win, so the
 * context and OTel never disagree; a span without a request context yields
 * one whose correlation id is the trace id in UUID form.
 */
export function getContext(): RequestContext | undefined {
  const active = activeContext();
  return contextIn(active, validSpanContext(active));
}

function contextIn(active: Context, span: SpanContext | undefined): RequestContext | undefined {
  const store = active.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
  if (!span) return store;
  if (!store) return { traceId: span.traceId, spanId: span.spanId, correlationId: traceIdAsUuid(span.traceId) };
  if (store.traceId === span.traceId && store.spanId === span.spanId) return store;
  return { ...store, traceId: span.traceId, spanId: span.spanId };
}

/**
 * getContextDeadline returns the deadline of the current request context, if
 * any: `getContext()?.deadline` without building the context, for the
 * deadline of every outgoing call.
 */
export function getContextDeadline(): number | undefined {
  return (activeContext().getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined)?.deadline;
}

function validSpanContext(context: Context): SpanContext | undefined {
  const span = trace.getSpanContext(context);
  return span && isSpanContextValid(span) ? span : undefined;
}

/** inTrace returns `otel` with the span the request context's work runs under. */
function inTrace(otel: Context, active: SpanContext | undefined, context: RequestContext): Context {
  if (active?.traceId === context.traceId) return otel;
  if (context.spanId === undefined) return active ? trace.deleteSpan(otel) : otel;
  // The toolkit's own traceparent always says sampled (formatTraceparent).
  const parent = trace.wrapSpanContext({ traceId: context.traceId, spanId: context.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  return trace.setSpan(otel, parent);
}

function withoutSpanId(context: RequestContext): RequestContext {
  const { spanId: _parentOfAnotherTrace, ...rest } = context;
  return rest;
}

function traceIdAsUuid(traceId: string): string {
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}
