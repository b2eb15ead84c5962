import { createNoopMeter, metrics, propagation, type MeterProvider } from '@opentelemetry/api';
import { TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from './telemetry-scope.js';
import { isTracerProviderRegistered } from './tracing-active.js';

const NOOP_METER = createNoopMeter();
// Asked once per registered meter provider, not on every call.
let meterCheck: { provider: MeterProvider; real: boolean } | undefined;

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
  if (isTracerProviderRegistered()) return true;
  const provider = metrics.getMeterProvider();
  if (meterCheck?.provider !== provider) meterCheck = { provider, real: provider.getMeter(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION) !== NOOP_METER };
  if (meterCheck.real) return true;
  return propagation.fields().length > 0;
}
