import type { TracerProvider } from '@opentelemetry/api';

// Providers whose sampler is known; a WeakSet, so a shut-down SDK is not kept.
const providers = new WeakSet<TracerProvider>();

/**
 * markDropsUnsampledChildren records that `provider` (the SDK's, as
 * startTelemetry builds it) never samples a span whose parent is not sampled:
 * its sampler is a ParentBasedSampler with the default AlwaysOff for such
 * parents. startRpcSpan then makes those spans itself, as the SDK would.
 */
export function markDropsUnsampledChildren(provider: TracerProvider): void {
  providers.add(provider);
}

/** dropsUnsampledChildren tells whether markDropsUnsampledChildren vouched for `provider`. */
export function dropsUnsampledChildren(provider: TracerProvider): boolean {
  return providers.has(provider);
}
