import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { DURATION_BUCKETS_MS, meshMetrics, MetricNames, RPC_DURATION_DESCRIPTIONS, type RpcSide } from './mesh-metrics.js';
import { TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from './telemetry-scope.js';

/** DEFAULT_RPC_DURATION_CARDINALITY_LIMIT caps the label sets per histogram, as the SDK's own default does; past it, calls count under OVERFLOW_ATTRIBUTES. */
export const DEFAULT_RPC_DURATION_CARDINALITY_LIMIT = 2_000;
/** OVERFLOW_ATTRIBUTES label the data point that takes the calls past the cardinality limit (the SDK's convention). */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** RpcDurationProducerOptions configure createRpcDurationProducer. */
export interface RpcDurationProducerOptions {
  /**
   * temporality is the reader's temporality for histograms.
   * @defaultValue AggregationTemporality.CUMULATIVE
   */
  temporality?: AggregationTemporality;
  /**
   * cardinalityLimit is the most label sets a histogram keeps.
   * @defaultValue DEFAULT_RPC_DURATION_CARDINALITY_LIMIT
   */
  cardinalityLimit?: number;
}

/** RpcDurationProducer is a MetricProducer of `rpc.client.duration` and `rpc.server.duration` for one metric reader. */
export interface RpcDurationProducer extends MetricProducer {
  /** stop detaches it: recordRpcDuration goes back to the SDK's histograms once no producer is left. */
  stop(): void;
}

/** Cell is one label set's histogram: the SDK's explicit-bucket aggregation with min and max. */
interface Cell {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Series are one histogram's cells since the last delta collection (or ever, for cumulative). */
class Series {
  // Frozen label sets (rpcMetricAttributes caches them per method and code) are found by identity, with no hashing.
  private readonly byIdentity = new Map<Attributes, Cell>();
  private readonly byKey = new Map<string, Cell>();

  constructor(private readonly limit: number) {}

  record(value: number, attributes: Attributes): void {
    let cell = this.byIdentity.get(attributes);
    if (cell === undefined) {
      cell = this.cellOf(attributes);
      if (Object.isFrozen(attributes)) this.byIdentity.set(attributes, cell);
    }
    cell.count += 1;
    cell.sum += value;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
    // The first bucket whose upper bound is ≥ value, as the SDK's binarySearchUB finds it.
    let bucket = 0;
    while (bucket < DURATION_BUCKETS_MS.length && DURATION_BUCKETS_MS[bucket]! < value) bucket++;
    cell.counts[bucket]! += 1;
  }

  cells(): IterableIterator<Cell> {
    return this.byKey.values();
  }

  private cellOf(attributes: Attributes): Cell {
    const key = attributesKey(attributes);
    let cell = this.byKey.get(key);
    if (cell !== undefined) return cell;
    // The SDK's rule: limit - 1 label sets, then one overflow point.
    if (this.byKey.size >= this.limit - 1 && attributes !== OVERFLOW_ATTRIBUTES) return this.cellOf(OVERFLOW_ATTRIBUTES);
    cell = { attributes: { ...attributes }, startTime: hrTime(), counts: new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0), count: 0, sum: 0, min: Infinity, max: -Infinity };
    this.byKey.set(key, cell);
    return cell;
  }
}

// The SDK's hashAttributes: sorted keys and values, so key order does not matter.
function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((key) => [key, attributes[key]]));
}

const producers = new Set<ProducerState>();

interface ProducerState {
  client: Series;
  server: Series;
}

/**
 * recordRpcDuration records one call's duration on the client or server
 * histogram: in every started RpcDurationProducer, or, without one, on the
 * SDK's histogram of the global MeterProvider.
 */
export function recordRpcDuration(side: RpcSide, durationMs: number, attributes: Attributes): void {
  if (producers.size === 0) {
    const m = meshMetrics();
    (side === 'client' ? m.rpcClientDuration : m.rpcServerDuration).record(durationMs, attributes);
    return;
  }
  // NaN falls into no bucket; the SDK drops it too.
  if (Number.isNaN(durationMs)) return;
  for (const state of producers) (side === 'client' ? state.client : state.server).record(durationMs, attributes);
}

/**
 * createRpcDurationProducer returns a MetricProducer for one metric reader
 * (its `metricProducers` option, the SDK's extension point for metrics from
 * outside the SDK) that aggregates the RPC duration histograms itself: the
 * same instruments, unit, buckets, labels and temporality as the SDK's
 * histograms, but a call's label set is found by identity instead of the
 * SDK's per-record attribute hashing (sorting and JSON-encoding the labels on
 * every call, the dearest part of telemetry per call after the spans).
 * From its creation until `stop`, recordRpcDuration records here and not on
 * the SDK's histograms. Views registered on the MeterProvider do not apply to
 * these two instruments.
 */
export function createRpcDurationProducer(options: RpcDurationProducerOptions = {}): RpcDurationProducer {
  const temporality = options.temporality ?? AggregationTemporality.CUMULATIVE;
  const limit = options.cardinalityLimit ?? DEFAULT_RPC_DURATION_CARDINALITY_LIMIT;
  const state: ProducerState = { client: new Series(limit), server: new Series(limit) };
  let lastCollection = hrTime();
  producers.add(state);

  const metricOf = (name: string, description: string, series: Series, endTime: HrTime): HistogramMetricData | undefined => {
    const dataPoints: DataPoint<Histogram>[] = [];
    for (const cell of series.cells()) {
      if (cell.count === 0) continue;
      dataPoints.push({
        attributes: cell.attributes,
        // A delta point covers the time since the last collection, or since its first call if that came later.
        startTime: temporality === AggregationTemporality.DELTA && isAfter(lastCollection, cell.startTime) ? lastCollection : cell.startTime,
        endTime,
        value: {
          buckets: { boundaries: [...DURATION_BUCKETS_MS], counts: [...cell.counts] },
          count: cell.count,
          sum: cell.sum,
          min: cell.min,
          max: cell.max,
        },
      });
    }
    if (dataPoints.length === 0) return undefined;
    return {
      descriptor: { name, description, unit: 'ms', valueType: ValueType.DOUBLE, type: InstrumentType.HISTOGRAM, advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_MS] } } as HistogramMetricData['descriptor'],
      aggregationTemporality: temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  };

  return {
    async collect(): Promise<CollectionResult> {
      const endTime = hrTime();
      const metrics = [
        metricOf(MetricNames.RPC_CLIENT_DURATION, RPC_DURATION_DESCRIPTIONS.client, state.client, endTime),
        metricOf(MetricNames.RPC_SERVER_DURATION, RPC_DURATION_DESCRIPTIONS.server, state.server, endTime),
      ].filter((m) => m !== undefined);
      if (temporality === AggregationTemporality.DELTA) {
        state.client = new Series(limit);
        state.server = new Series(limit);
      }
      lastCollection = endTime;
      return {
        resourceMetrics: {
          // The reader keeps the SDK's resource and takes only the scope metrics from producers.
          resource: emptyResource(),
          scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: TELEMETRY_SCOPE, version: TELEMETRY_SCOPE_VERSION }, metrics }],
        },
        errors: [],
      };
    },
    stop() {
      producers.delete(state);
    },
  };
}

function isAfter(a: HrTime, b: HrTime): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}
