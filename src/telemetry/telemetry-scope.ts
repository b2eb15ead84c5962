import { metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';

/** TELEMETRY_SCOPE is the instrumentation scope of every span and instrument the toolkit makes. */
export const TELEMETRY_SCOPE = 'service-mesh-toolkit';
/** TELEMETRY_SCOPE_VERSION is the version reported with TELEMETRY_SCOPE. */
export const TELEMETRY_SCOPE_VERSION = '0.1.0';

/** meshTracer returns the toolkit's tracer from the global TracerProvider (a proxy until telemetry starts). */
export function meshTracer(): Tracer {
  return trace.getTracer(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION);
}

/** meshMeter returns the toolkit's meter from the global MeterProvider as it is now. */
export function meshMeter(): Meter {
  return metrics.getMeter(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION);
}
