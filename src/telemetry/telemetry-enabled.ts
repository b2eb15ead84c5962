import { createNoopMeter, metrics, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from './telemetry-scope.js';

const NOOP_METER = createNoopMeter();

/**
 * isTelemetryEnabled tells whether anything is registered with the
 * OpenTelemetry API (a tracer provider, a meter provider or a propagator),
 * i.e. whether a span, a metric or a propagated header of the toolkit's
 * could reach anyone. The RPC tracing interceptors ask it on every call and
 * step aside when it says no: without an SDK every span, event, attribute
 * and metric they make is a no-op, yet making them costs a noticeable share
 * of a call. It is asked per call, so telemetry started later still applies.
 */
export function isTelemetryEnabled(): boolean {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION) !== undefined) return true;
  if (metrics.getMeter(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION) !== NOOP_METER) return true;
  return propagation.fields().length > 0;
}
