import { isSpanContextValid, trace, TraceFlags, type Attributes, type Context, type Span, type SpanKind } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { newSpanId } from '../context/index.js';
import { meshTracerState } from './telemetry-scope.js';
import { dropsUnsampledChildren } from './unsampled-children.js';

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
 * - The attributes are set once the span is known to record, not passed to
 *   startSpan, which would check and copy them twice for a span that may
 *   record nothing. startTelemetry's samplers do not read start attributes.
 */
export function startRpcSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  const { tracer, provider } = meshTracerState();
  const parentSpan = trace.getSpanContext(parent);
  if (
    parentSpan !== undefined &&
    (parentSpan.traceFlags & TraceFlags.SAMPLED) === 0 &&
    dropsUnsampledChildren(provider) &&
    isSpanContextValid(parentSpan) &&
    !isTracingSuppressed(parent)
  ) {
    return trace.wrapSpanContext({ traceId: parentSpan.traceId, spanId: newSpanId(), traceFlags: TraceFlags.NONE, traceState: parentSpan.traceState });
  }
  const span = tracer.startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes);
  return span;
}
