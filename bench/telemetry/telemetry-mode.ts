import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { contextStorage } from '../../src/context/index.js';
import { startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

/**
 * TelemetryMode is how a bench pair runs telemetry: `off` (no SDK), or
 * `on-<percent>` (startTelemetry with that sampling ratio), optionally with a
 * bisection variant after a colon, e.g. `on-100:nosend` (see TELEMETRY_VARIANTS),
 * and optionally a `#<label>` to run one more pair of a mode (`off#2`).
 */
export type TelemetryMode = string;

/** DEFAULT_TELEMETRY_MODES lists the modes the bench compares by default, baseline first. */
export const DEFAULT_TELEMETRY_MODES: readonly TelemetryMode[] = ['off', 'on-100', 'on-10'];

/**
 * TELEMETRY_VARIANTS are the bisection variants of an "on" mode, to find where
 * its cost per call goes:
 * - `noqueue`: spans are sampled, started and ended, but the batch processor drops them (no queue, no export);
 * - `noserialize`: spans are queued and batched; the trace exporter discards each batch unserialized;
 * - `nosend`: batches are serialized to OTLP protobuf, then discarded (no HTTP request);
 * - `tracesonly`: spans exported as usual, but no metric reader and no log processor
 *   (the OTLP trace processor is handed to startTelemetry as a caller's one, so the RPC
 *   spans take their attributes at start as with any caller's processor);
 * - `client`, `server`: only that process of the pair starts telemetry, the other is `off`;
 * - `als` (`off:als`): no SDK, but the toolkit's AsyncLocalStorage is enabled in both
 *   processes from the start, as telemetry's context manager enables it in the client
 *   (the server kit enables it anyway); on Node 20 an enabled one costs every promise a hook;
 * - `alsrun` (`off:alsrun`): no SDK, but the client makes every call inside a `run` of the
 *   toolkit's AsyncLocalStorage with a Context, as telemetry's context manager does, so
 *   every promise of the call takes the store (see withBenchContext).
 */
export const TELEMETRY_VARIANTS = ['noqueue', 'noserialize', 'nosend', 'tracesonly', 'client', 'server', 'als', 'alsrun'] as const;

/** TelemetryVariant is one of TELEMETRY_VARIANTS. */
export type TelemetryVariant = (typeof TELEMETRY_VARIANTS)[number];

/** BENCH_TELEMETRY_MODES (comma-separated, `off` among them) picks the modes a bench run compares; pairs start and warm up in its order. */
export const TELEMETRY_MODES: readonly TelemetryMode[] = parseModes(process.env.BENCH_TELEMETRY_MODES);

function parseModes(list: string | undefined): readonly TelemetryMode[] {
  if (!list) return DEFAULT_TELEMETRY_MODES;
  const modes = list.split(',').map((m) => m.trim()).filter((m) => m !== '');
  modes.forEach(parseMode);
  if (!modes.includes('off')) throw new RangeError(`BENCH_TELEMETRY_MODES must include off, the baseline, got ${list}`);
  if (new Set(modes).size !== modes.length) throw new RangeError(`BENCH_TELEMETRY_MODES lists a mode twice (label the second, e.g. off#2), got ${list}`);
  return modes;
}

/** parseMode splits a mode into its sampling ratio (undefined for off) and its variant. */
export function parseMode(mode: TelemetryMode): { ratio?: number; variant?: TelemetryVariant } {
  // A `#<label>` suffix runs a second pair of the same mode, a control for how much two pairs of the same code differ.
  const bare = mode.replace(/#\w+$/, '');
  if (bare === 'off') return {};
  if (bare === 'off:als') return { variant: 'als' };
  if (bare === 'off:alsrun') return { variant: 'alsrun' };
  const match = /^on-(\d+)(?::(\w+))?$/.exec(bare);
  const variant = match?.[2] as TelemetryVariant | undefined;
  if (!match || Number(match[1]) > 100 || (variant !== undefined && !TELEMETRY_VARIANTS.includes(variant))) {
    throw new RangeError(`unknown telemetry mode ${mode}: off, or on-<percent>[:${TELEMETRY_VARIANTS.join('|')}]`);
  }
  return { ratio: Number(match[1]) / 100, ...(variant ? { variant } : {}) };
}

/**
 * startBenchTelemetry starts the SDK as a service would (startTelemetry,
 * batch span processor, OTLP/HTTP protobuf) exporting to `endpoint`, the
 * bench's discarding sink, with the mode's bisection variant applied; `off`
 * starts nothing, so the toolkit's spans are OpenTelemetry's no-ops.
 */
export function startBenchTelemetry(mode: TelemetryMode, side: 'client' | 'server', endpoint: string): Telemetry | undefined {
  const { ratio, variant } = parseMode(mode);
  // run enables the storage for good (Node 20 keeps its hooks on until disable()).
  if (variant === 'als') contextStorage.run(ROOT_CONTEXT, () => {});
  if (ratio === undefined || (variant === 'client' && side !== 'client') || (variant === 'server' && side !== 'server')) return undefined;
  const serviceName = `bench-${side}-${mode}`;
  // Prototype patches: this process runs one mode only, and they must reach the processor and exporter startTelemetry builds.
  if (variant === 'noqueue') BatchSpanProcessor.prototype.onEnd = () => {};
  if (variant === 'noserialize' || variant === 'nosend') {
    const serialize = variant === 'nosend';
    OTLPTraceExporter.prototype.export = function (this: OTLPTraceExporter, spans: ReadableSpan[], done: (result: ExportResult) => void) {
      // The exporter's delegate holds the serializer it would use; reached by name since it is not public.
      if (serialize) (this as unknown as { _delegate: { _serializer: { serializeRequest(s: ReadableSpan[]): unknown } } })._delegate._serializer.serializeRequest(spans);
      done({ code: ExportResultCode.SUCCESS });
    };
  }
  if (variant === 'tracesonly') {
    return startTelemetry({
      serviceName,
      sampleRatio: ratio,
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), scheduledDelayMillis: 1_000 })],
    });
  }
  return startTelemetry({ serviceName, otlpEndpoint: endpoint, sampleRatio: ratio });
}

const BENCH_KEY = Symbol('bench');

/** withBenchContext wraps a client's call for the mode: in a storage `run` with a Context for `off:alsrun`, else as it is. */
export function withBenchContext<T>(mode: TelemetryMode, call: () => Promise<T>): () => Promise<T> {
  if (parseMode(mode).variant !== 'alsrun') return call;
  const store = ROOT_CONTEXT.setValue(BENCH_KEY, true);
  return () => contextStorage.run(store, call);
}
