import type { TracerProvider } from '@opentelemetry/api';

/** OwnTracerProvider is what startTelemetry vouches for about a tracer provider it built. */
export interface OwnTracerProvider {
  /**
   * lateAttributes tells that no span processor reads a span's attributes
   * when it starts (only startTelemetry's own batch or no-op processor is
   * there), so RPC spans may take theirs once they are known to record.
   */
  readonly lateAttributes: boolean;
}

// A WeakMap, so a shut-down SDK is not kept.
const providers = new WeakMap<TracerProvider, OwnTracerProvider>();

/**
 * markOwnTracerProvider records that startTelemetry built `provider`: its
 * sampler is a ParentBasedSampler with the default AlwaysOff for a parent
 * that is not sampled, so a child of such a parent is never sampled, and
 * startRpcSpan may make that span itself, as the SDK would.
 */
export function markOwnTracerProvider(provider: TracerProvider, traits: OwnTracerProvider): void {
  providers.set(provider, traits);
}

/** ownTracerProvider returns what markOwnTracerProvider recorded for `provider`, if startTelemetry built it. */
export function ownTracerProvider(provider: TracerProvider): OwnTracerProvider | undefined {
  return providers.get(provider);
}
