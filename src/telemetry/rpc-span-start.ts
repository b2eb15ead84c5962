import { isSpanContextValid, trace, TraceFlags, type Attributes, type Context, type Span, type SpanKind } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { newSpanId } from '../context/index.js';
import { meshTracerState } from './telemetry-scope.js';
import { ownTracerProvider } from './own-tracer-provider.js';

/**
 * startRpcSpan starts an RPC span under `parent` with `attributes`, doing
 * only what the span will show:
 *
 * - Under a parent that is not sampled, with startTelemetry's sampler (which
 *   follows such a parent), the span is what the SDK would return, a
 *   non-recording span of the parent's trace with a new span id and the
 *   parent's trace state, made without the SDK's sampler, attribute checks and
 *   span bookkeeping. That is every server span and every nested call's span
 *   of an unsampled trace (90 % of them at a 10 % ratio).
 * - When no span processor reads attributes as a span starts, they are set
 *   once the span is known to record, not passed to startSpan, which would
 *   check and copy them twice for a span that may record nothing.
 *   startTelemetry's samplers do not read start attributes.
 *
 * With any other tracer provider it is `startSpan` as it is.
 */
export function startRpcSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  const { tracer, provider } = meshTracerState();
  const own = ownTracerProvider(provider);
  if (own === undefined) return tracer.startSpan(name, { kind, attributes }, parent);
  const parentSpan = trace.getSpanContext(parent);
  if (parentSpan !== undefined && (parentSpan.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(parentSpan) && !isTracingSuppressed(parent)) {
    return trace.wrapSpanContext({ traceId: parentSpan.traceId, spanId: newSpanId(), traceFlags: TraceFlags.NONE, traceState: parentSpan.traceState });
  }
  if (!own.lateAttributes) return tracer.startSpan(name, { kind, attributes }, parent);
  const span = tracer.startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes);
  return span;
}
