import { metrics, ProxyTracerProvider, trace, type Meter, type Tracer, type TracerProvider } from '@opentelemetry/api';

/** TELEMETRY_SCOPE is the instrumentation scope of every span and instrument the toolkit makes. */
export const TELEMETRY_SCOPE = 'service-mesh-toolkit';
/** TELEMETRY_SCOPE_VERSION is the version reported with TELEMETRY_SCOPE. */
export const TELEMETRY_SCOPE_VERSION = '0.1.0';

/** MeshTracerState is the toolkit's tracer and the provider it came from. */
export interface MeshTracerState {
  readonly provider: TracerProvider;
  readonly tracer: Tracer;
}

let cachedTracer: MeshTracerState | undefined;

/**
 * meshTracer returns the toolkit's tracer from the provider registered now
 * (a no-op one until telemetry starts). Every call makes spans through it, so
 * it is looked up once per provider rather than by name on every call.
 */
export function meshTracer(): Tracer {
  return meshTracerState().tracer;
}

/** meshTracerState returns meshTracer's tracer with the provider (the SDK's, not the API's proxy) it came from. */
export function meshTracerState(): MeshTracerState {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (cachedTracer?.provider !== provider) cachedTracer = { provider, tracer: provider.getTracer(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION) };
  return cachedTracer;
}

/** meshMeter returns the toolkit's meter from the global MeterProvider as it is now. */
export function meshMeter(): Meter {
  return metrics.getMeter(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION);
}
