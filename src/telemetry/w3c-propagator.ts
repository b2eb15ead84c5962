import {
  diag,
  INVALID_SPANID,
  INVALID_TRACEID,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed, TraceState, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { ContextHeaders } from '../context/index.js';
import { fetchHeadersSetter } from './header-carriers.js';

const traceContext = new W3CTraceContextPropagator();
const baggage = new W3CBaggagePropagator();
// One array for the process: fields() hands it out as it is, so that its identity tells this propagator is the registered one.
const W3C_FIELDS: readonly string[] = Object.freeze([...traceContext.fields(), ...baggage.fields()]);
const TRACESTATE = 'tracestate';
// Version 00 exactly as the W3C propagator (and the toolkit) write it; anything else goes to the SDK's parser.
const CANONICAL_TRACEPARENT = /^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * W3CPropagator propagates W3C Trace Context and W3C Baggage, as the SDK's
 * CompositePropagator of the two does (each propagator's failure is logged
 * and skipped), without the composite's per-call closure. startTelemetry
 * registers it; `fields()` always returns the same array, which is how
 * injectRpcTraceContext knows that it is the process's propagator.
 */
export class W3CPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      traceContext.inject(context, carrier, setter);
    } catch (error) {
      diag.warn(`Failed to inject with W3CTraceContextPropagator. Err: ${(error as Error).message}`);
    }
    try {
      baggage.inject(context, carrier, setter);
    } catch (error) {
      diag.warn(`Failed to inject with W3CBaggagePropagator. Err: ${(error as Error).message}`);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let extracted = context;
    try {
      extracted = extractCanonicalTraceContext(extracted, carrier, getter) ?? traceContext.extract(extracted, carrier, getter);
    } catch (error) {
      diag.warn(`Failed to extract with W3CTraceContextPropagator. Err: ${(error as Error).message}`);
    }
    try {
      extracted = baggage.extract(extracted, carrier, getter);
    } catch (error) {
      diag.warn(`Failed to extract with W3CBaggagePropagator. Err: ${(error as Error).message}`);
    }
    return extracted;
  }

  fields(): string[] {
    return W3C_FIELDS as string[];
  }
}

/**
 * injectRpcTraceContext writes what `propagation.inject(context, headers)`
 * writes when `span` is the active span of `context`: with W3CPropagator
 * registered, `traceparent` (and `tracestate`) straight from the span's ids,
 * and baggage only when `context` carries any; with another propagator, or
 * tracing suppressed, through the API as it is.
 */
export function injectRpcTraceContext(context: Context, span: SpanContext, headers: Headers): void {
  if (propagation.fields() !== W3C_FIELDS || isTracingSuppressed(context)) {
    propagation.inject(context, headers, fetchHeadersSetter);
    return;
  }
  // As through the propagator: a failure is logged, and the call goes on without.
  try {
    if (isSpanContextValid(span)) {
      // The W3C propagator's format, version 00.
      headers.set(ContextHeaders.TRACEPARENT, `00-${span.traceId}-${span.spanId}-0${Number(span.traceFlags || 0).toString(16)}`);
      if (span.traceState) headers.set(TRACESTATE, span.traceState.serialize());
    }
  } catch (error) {
    diag.warn(`Failed to inject with W3CTraceContextPropagator. Err: ${(error as Error).message}`);
  }
  try {
    if (propagation.getBaggage(context)) baggage.inject(context, headers, fetchHeadersSetter);
  } catch (error) {
    diag.warn(`Failed to inject with W3CBaggagePropagator. Err: ${(error as Error).message}`);
  }
}

/**
 * extractCanonicalTraceContext is the SDK's W3C trace context extraction for
 * the one form every caller sends, `00-<trace id>-<span id>-<flags>`, without
 * its general pattern (lookaheads, four captured groups); undefined for any
 * other value, which the SDK's propagator then reads. A missing header, or
 * all-zero ids, leave the context as it is, as the SDK does.
 */
function extractCanonicalTraceContext(context: Context, carrier: unknown, getter: TextMapGetter): Context | undefined {
  const header = getter.get(carrier, ContextHeaders.TRACEPARENT);
  if (header === undefined || header === '') return context;
  if (typeof header !== 'string' || !CANONICAL_TRACEPARENT.test(header)) return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return context;
  const span: SpanContext = { traceId, spanId, traceFlags: parseInt(header.slice(53), 16), isRemote: true };
  const state = getter.get(carrier, TRACESTATE);
  if (state) span.traceState = new TraceState(Array.isArray(state) ? state.join(',') : state);
  return trace.setSpanContext(context, span);
}
