import { context, createContextKey, ProxyTracerProvider, ROOT_CONTEXT, trace } from '@opentelemetry/api';

// What the API's proxy delegates to while no SDK registered a tracer provider.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const PROBE = ROOT_CONTEXT.setValue(createContextKey('service-mesh-toolkit.context-probe'), true);
const probeIsActive = (): boolean => context.active() === PROBE;

/** isTracerProviderRegistered tells whether an SDK registered a tracer provider with the API. */
export function isTracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

/**
 * isTracingActive tells whether a span made now could be seen by anyone: true
 * once a tracer provider (which records and exports spans) or a context
 * manager (which makes a span current for the code it wraps) is registered.
 * Without either, every span is a no-op that no code and no exporter can
 * observe, so per-record instrumentation may skip making one; that is what
 * costs the Kafka hot paths while telemetry is off.
 */
export function isTracingActive(): boolean {
  if (isTracerProviderRegistered()) return true;
  // A no-op context manager ignores `with`: the probe is only active under a real one.
  return context.with(PROBE, probeIsActive);
}
