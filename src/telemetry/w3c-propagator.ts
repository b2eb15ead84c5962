import {
  diag,
  isSpanContextValid,
  propagation,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { ContextHeaders } from '../context/index.js';
import { fetchHeadersSetter } from './header-carriers.js';

const traceContext = new W3CTraceContextPropagator();
const baggage = new W3CBaggagePropagator();
// One array for the process: fields() hands it out as it is, so that its identity tells this propagator is the registered one.
const W3C_FIELDS: readonly string[] = Object.freeze([...traceContext.fields(), ...baggage.fields()]);
const TRACESTATE = 'tracestate';

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
      extracted = traceContext.extract(extracted, carrier, getter);
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
  if (isSpanContextValid(span)) {
    // The W3C propagator's format, version 00.
    headers.set(ContextHeaders.TRACEPARENT, `00-${span.traceId}-${span.spanId}-0${Number(span.traceFlags || 0).toString(16)}`);
    if (span.traceState) headers.set(TRACESTATE, span.traceState.serialize());
  }
  if (propagation.getBaggage(context)) baggage.inject(context, headers, fetchHeadersSetter);
}
