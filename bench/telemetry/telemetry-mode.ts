import { startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

/** TelemetryMode is how a bench process runs telemetry: off (no SDK), or on with a sampling ratio. */
export type TelemetryMode = 'off' | 'on-100' | 'on-10';

/** TELEMETRY_MODES lists the modes the bench compares, baseline first. */
export const TELEMETRY_MODES: readonly TelemetryMode[] = ['off', 'on-100', 'on-10'];

/** SAMPLE_RATIOS maps the "on" modes to the sampler's ratio. */
const SAMPLE_RATIOS: Record<Exclude<TelemetryMode, 'off'>, number> = { 'on-100': 1, 'on-10': 0.1 };

/**
 * startBenchTelemetry starts the SDK as a service would (startTelemetry,
 * batch span processor, OTLP/HTTP protobuf) exporting to `endpoint`, the
 * bench's discarding sink; `off` starts nothing, so the toolkit's spans are
 * OpenTelemetry's no-ops.
 */
export function startBenchTelemetry(mode: TelemetryMode, serviceName: string, endpoint: string): Telemetry | undefined {
  if (mode === 'off') return undefined;
  return startTelemetry({ serviceName, otlpEndpoint: endpoint, sampleRatio: SAMPLE_RATIOS[mode] });
}
