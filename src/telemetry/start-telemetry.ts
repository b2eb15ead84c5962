import { diag, DiagConsoleLogger, DiagLogLevel, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { getBooleanFromEnv } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InstrumentType, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { MeshContextManager } from '../context/index.js';
import { ContextIdGenerator } from './context-id-generator.js';
import { createRpcDurationProducer, type RpcDurationProducer } from './rpc-duration-producer.js';
import { setLogExport } from './log-export.js';
import { isTracerProviderRegistered } from './tracing-active.js';
import { markOwnTracerProvider } from './own-tracer-provider.js';
import { W3CPropagator } from './w3c-propagator.js';

/** DEFAULT_SAMPLE_RATIO samples every new trace; children follow their parent's decision. */
export const DEFAULT_SAMPLE_RATIO = 1;
/** DEFAULT_METRIC_EXPORT_INTERVAL_MS is how often metrics are pushed over OTLP (the SDK's own default). */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
/** DEFAULT_SPAN_EXPORT_DELAY_MS is how long the batch span (and log) processors wait before sending a batch. */
export const DEFAULT_SPAN_EXPORT_DELAY_MS = 1_000;
/** SDK_SELF_METRICS_ENV names sdk-node's switch for the SDK's own metrics (spans started and live, among others). */
export const SDK_SELF_METRICS_ENV = 'OTEL_NODE_EXPERIMENTAL_SDK_METRICS';
/** OTLP_ENDPOINT_ENV names the variable whose presence turns OTLP export on. */
export const OTLP_ENDPOINT_ENV = 'OTEL_EXPORTER_OTLP_ENDPOINT';

/** TelemetryOptions configure startTelemetry. */
export interface TelemetryOptions {
  /** serviceName is the `service.name` resource attribute, e.g. `auth`. */
  serviceName: string;
  /** serviceVersion is the `service.version` resource attribute. */
  serviceVersion?: string;
  /**
   * sampleRatio is the share of new traces sampled (0..1); spans with a
   * parent follow the parent's decision.
   * @defaultValue OTEL_TRACES_SAMPLER_ARG, else DEFAULT_SAMPLE_RATIO (1)
   */
  sampleRatio?: number;
  /**
   * otlpEndpoint is the base URL of an OTLP/HTTP receiver (`/v1/traces` and
   * `/v1/metrics` are appended); undefined means silent.
   * @defaultValue process.env.OTEL_EXPORTER_OTLP_ENDPOINT
   */
  otlpEndpoint?: string;
  /**
   * metricExportIntervalMs is the period of OTLP metric pushes; shutdown pushes once more.
   * @defaultValue DEFAULT_METRIC_EXPORT_INTERVAL_MS
   */
  metricExportIntervalMs?: number;
  /**
   * spanExportDelayMs is the batch span processor's delay.
   * @defaultValue DEFAULT_SPAN_EXPORT_DELAY_MS
   */
  spanExportDelayMs?: number;
  /** spanProcessors are added to the OTLP one (an in-memory exporter in tests, for instance). @defaultValue [] */
  spanProcessors?: SpanProcessor[];
  /** metricReaders are added to the OTLP one. @defaultValue [] */
  metricReaders?: MetricReader[];
  /** logRecordProcessors are added to the OTLP one; with any, logger lines are copied to them. @defaultValue [] */
  logRecordProcessors?: LogRecordProcessor[];
  /** resourceAttributes are added to the resource. @defaultValue {} */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** debug prints the SDK's own diagnostics (export failures) to the console. @defaultValue false */
  debug?: boolean;
}

/** Telemetry is a started OpenTelemetry SDK. */
export interface Telemetry {
  /** exporting tells whether spans and metrics go to an OTLP endpoint. */
  readonly exporting: boolean;
  /** forceFlush sends every span and metric collected so far. */
  forceFlush(): Promise<void>;
  /** shutdown flushes, then stops the SDK; later calls return the same promise. */
  shutdown(): Promise<void>;
}

/**
 * startTelemetry starts `@opentelemetry/sdk-node` for one service: W3C trace
 * context and baggage propagation, a parent-based ratio sampler, the
 * toolkit's MeshContextManager (one AsyncLocalStorage for the request context
 * and the active span), and OTLP/HTTP (protobuf) export of
 * spans, metrics and createLogger's lines when an endpoint is configured.
 * Without one it is silent, but spans are still created, so trace ids exist
 * for logs and headers.
 *
 * No auto-instrumentation is registered: the http/http2 instrumentations
 * would add a span for every HTTP/2 stream under the RPC spans the toolkit's
 * interceptors already make (two spans per call, double the cost), and the
 * kafkajs one would duplicate the producer and consumer spans.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const sampleRatio = resolveSampleRatio(options.sampleRatio);
  if (options.debug) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const endpoint = options.otlpEndpoint ?? process.env[OTLP_ENDPOINT_ENV];
  const exporting = endpoint !== undefined && endpoint !== '';
  const base = exporting ? endpoint.replace(/\/+$/, '') : '';

  const spanProcessors: SpanProcessor[] = [
    // A processor must exist or sdk-node registers no tracer provider, and there would be no trace ids.
    exporting
      ? new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
          scheduledDelayMillis: options.spanExportDelayMs ?? DEFAULT_SPAN_EXPORT_DELAY_MS,
        })
      : new NoopSpanProcessor(),
    ...(options.spanProcessors ?? []),
  ];
  // The RPC duration histograms are aggregated by the toolkit (createRpcDurationProducer)
  // when every reader is the OTLP one made here; a reader of the caller's would
  // not see them, so with any the SDK's histograms record them as before.
  let rpcDurations: RpcDurationProducer | undefined;
  const metricReaders: MetricReader[] = [];
  if (exporting) {
    const exporter = new OTLPMetricExporter({ url: `${base}/v1/metrics` });
    if ((options.metricReaders ?? []).length === 0) {
      rpcDurations = createRpcDurationProducer({ temporality: exporter.selectAggregationTemporality(InstrumentType.HISTOGRAM) });
    }
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: options.metricExportIntervalMs ?? DEFAULT_METRIC_EXPORT_INTERVAL_MS,
        metricProducers: rpcDurations ? [rpcDurations] : [],
      }),
    );
  }
  metricReaders.push(...(options.metricReaders ?? []));

  const logRecordProcessors: LogRecordProcessor[] = [
    ...(exporting
      ? [
          new BatchLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }),
            scheduledDelayMillis: options.spanExportDelayMs ?? DEFAULT_SPAN_EXPORT_DELAY_MS,
          }),
        ]
      : []),
    ...(options.logRecordProcessors ?? []),
  ];

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      ...options.resourceAttributes,
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
    // Host and OS detection would run at every start for attributes nobody asked for.
    autoDetectResources: false,
    textMapPropagator: new W3CPropagator(),
    sampler: new ParentBasedSampler({ root: rootSampler(sampleRatio) }),
    idGenerator: new ContextIdGenerator(),
    contextManager: new MeshContextManager(),
    spanProcessors,
    metricReaders,
    // A list, even empty, keeps sdk-node from building a log exporter from the environment.
    logRecordProcessors,
    instrumentations: [],
  });
  // The API keeps the first provider registered; with another one there, this SDK's sampler is not the one that decides.
  // With the SDK's own metrics on, it counts every span it starts: startRpcSpan must not start any without it.
  const ownProvider = !isTracerProviderRegistered() && !getBooleanFromEnv(SDK_SELF_METRICS_ENV);
  sdk.start();
  setLogExport(logRecordProcessors.length > 0);
  if (ownProvider) {
    // Its sampler is the ParentBasedSampler above, whose defaults never sample a child of an unsampled parent.
    const provider = trace.getTracerProvider();
    markOwnTracerProvider(provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider, {
      // A caller's processor may read attributes in onStart; the batch and no-op ones do not.
      lateAttributes: (options.spanProcessors ?? []).length === 0,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    exporting,
    async forceFlush() {
      await Promise.all([
        ...spanProcessors.map((p) => p.forceFlush()),
        ...metricReaders.map((r) => r.forceFlush()),
        ...logRecordProcessors.map((p) => p.forceFlush()),
      ]);
    },
    shutdown: () =>
      (stopping ??= (async () => {
        setLogExport(false);
        // Shutdown collects once more: the producer stops after it.
        await sdk.shutdown().finally(() => rpcDurations?.stop());
      })()),
  };
}

/**
 * rootSampler decides for a span without a parent. At the ends of the range
 * the answer does not depend on the trace id, so the SDK's constant samplers
 * stand in for the ratio sampler, which would fold every root trace id into a
 * number for the same answer.
 */
function rootSampler(ratio: number): Sampler {
  if (ratio === 1) return new AlwaysOnSampler();
  if (ratio === 0) return new AlwaysOffSampler();
  return new TraceIdRatioBasedSampler(ratio);
}

function resolveSampleRatio(option: number | undefined): number {
  const fromEnv = process.env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = option ?? (fromEnv ? Number(fromEnv) : DEFAULT_SAMPLE_RATIO);
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`sampleRatio must be within [0, 1], got ${ratio}`);
  return ratio;
}
