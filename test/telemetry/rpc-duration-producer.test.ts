// The toolkit's own RPC duration histograms must export what the SDK's
// histograms would: the same points for the same records, through a reader's
// `metricProducers`, in the reader's temporality.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import {
  createRpcDurationProducer,
  DURATION_BUCKETS_MS,
  MetricNames,
  OVERFLOW_ATTRIBUTES,
  RPC_DURATION_DESCRIPTIONS,
  recordRpcDuration,
} from '../../src/telemetry/index.js';
import { rpcCallAttributes, rpcMetricAttributes } from '../../src/telemetry/rpc-call-attributes.js';
import { TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from '../../src/telemetry/telemetry-scope.js';

const getUser = rpcCallAttributes('connect_rpc', AuthService, AuthService.method.getUser);
const ok = rpcMetricAttributes(getUser, undefined);
const unavailable = rpcMetricAttributes(getUser, Code.Unavailable);
// Durations on, between and beyond the bucket bounds, and a NaN that no histogram counts.
const VALUES = [0, 0.5, 1, 1.0001, 3, 7.5, 25, 999, 1_000, 60_000, 70_000, Number.NaN];

function metricsOf(result: CollectionResult): MetricData[] {
  return result.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

function pointsOf(metrics: MetricData[], name: string): Array<{ attributes: Attributes; value: Histogram }> {
  const metric = metrics.find((m) => m.descriptor.name === name);
  assert.ok(metric, `${name} collected`);
  return (metric.dataPoints as Array<DataPoint<Histogram>>)
    .map((p) => ({ attributes: p.attributes, value: p.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

/** sdkHistograms are the SDK's own histograms as meshMetrics made them, on a private provider. */
function sdkHistograms() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION);
  const options = (description: string) => ({ description, unit: 'ms', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_MS] } });
  return {
    reader,
    provider,
    client: meter.createHistogram(MetricNames.RPC_CLIENT_DURATION, options(RPC_DURATION_DESCRIPTIONS.client)),
    server: meter.createHistogram(MetricNames.RPC_SERVER_DURATION, options(RPC_DURATION_DESCRIPTIONS.server)),
  };
}

describe('createRpcDurationProducer', () => {
  test('exports the points, descriptors and scope the SDK histograms export for the same records', async () => {
    const sdk = sdkHistograms();
    const producer = createRpcDurationProducer();
    try {
      // The same label set as a fresh, unfrozen object with its keys in another order: one point, as in the SDK.
      const reordered = Object.fromEntries(Object.entries(unavailable).reverse());
      for (const [i, value] of VALUES.entries()) {
        const labels = i % 3 === 0 ? ok : i % 3 === 1 ? unavailable : reordered;
        sdk.client.record(value, labels);
        recordRpcDuration('client', value, labels);
        sdk.server.record(value * 2, ok);
        recordRpcDuration('server', value * 2, ok);
      }
      const ours = metricsOf(await producer.collect());
      const theirs = metricsOf(await sdk.reader.collect());
      for (const name of [MetricNames.RPC_CLIENT_DURATION, MetricNames.RPC_SERVER_DURATION]) {
        assert.deepEqual(pointsOf(ours, name), pointsOf(theirs, name), name);
        const mine = ours.find((m) => m.descriptor.name === name)!;
        const sdkMetric = theirs.find((m) => m.descriptor.name === name)!;
        assert.deepEqual(
          { ...mine.descriptor, temporality: mine.aggregationTemporality, type: mine.dataPointType },
          { ...sdkMetric.descriptor, temporality: sdkMetric.aggregationTemporality, type: sdkMetric.dataPointType },
        );
      }
      assert.equal(pointsOf(ours, MetricNames.RPC_CLIENT_DURATION).length, 2);
      const scope = (await producer.collect()).resourceMetrics.scopeMetrics[0]!.scope;
      assert.deepEqual(scope, { name: TELEMETRY_SCOPE, version: TELEMETRY_SCOPE_VERSION });
    } finally {
      producer.stop();
      await sdk.provider.shutdown();
    }
  });

  test('reaches a reader through its metricProducers, under the SDK resource', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const producer = createRpcDurationProducer();
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000, metricProducers: [producer] });
    const provider = new MeterProvider({ readers: [reader], resource: resourceFromAttributes({ 'service.name': 'producer-test' }) });
    try {
      recordRpcDuration('server', 12, ok);
      await reader.forceFlush();
      const [exported] = exporter.getMetrics();
      assert.equal(exported?.resource.attributes['service.name'], 'producer-test');
      const points = pointsOf(exported!.scopeMetrics.flatMap((s) => s.metrics), MetricNames.RPC_SERVER_DURATION);
      assert.deepEqual(points.map((p) => [p.attributes, p.value.count, p.value.sum]), [[ok, 1, 12]]);
    } finally {
      producer.stop();
      await provider.shutdown();
    }
  });

  test('cumulative points keep growing; delta points hold only what came since the last collection', async () => {
    const cumulative = createRpcDurationProducer();
    const delta = createRpcDurationProducer({ temporality: AggregationTemporality.DELTA });
    try {
      recordRpcDuration('client', 3, ok);
      recordRpcDuration('client', 4, ok);
      const counts = async () =>
        [cumulative, delta].map(async (p) => {
          const metrics = metricsOf(await p.collect());
          return metrics.length === 0 ? 0 : pointsOf(metrics, MetricNames.RPC_CLIENT_DURATION)[0]!.value.count;
        });
      assert.deepEqual(await Promise.all(await counts()), [2, 2]);
      recordRpcDuration('client', 5, ok);
      assert.deepEqual(await Promise.all(await counts()), [3, 1]);
      assert.deepEqual(await Promise.all(await counts()), [3, 0]);
      const second = metricsOf(await delta.collect());
      assert.equal(second.length, 0, 'no empty histograms');
    } finally {
      cumulative.stop();
      delta.stop();
    }
  });

  test('past the cardinality limit calls count under the overflow label; after stop nothing reaches the producer', async () => {
    const producer = createRpcDurationProducer({ cardinalityLimit: 3 });
    for (const method of ['a', 'b', 'c', 'd', 'e']) recordRpcDuration('server', 1, { 'rpc.method': method });
    const points = pointsOf(metricsOf(await producer.collect()), MetricNames.RPC_SERVER_DURATION);
    assert.deepEqual(
      points.map((p) => [p.attributes, p.value.count]),
      [
        [{ 'otel.metric.overflow': true }, 3],
        [{ 'rpc.method': 'a' }, 1],
        [{ 'rpc.method': 'b' }, 1],
      ],
    );
    assert.deepEqual(points[0]!.attributes, OVERFLOW_ATTRIBUTES);
    producer.stop();
    recordRpcDuration('server', 1, { 'rpc.method': 'a' });
    const after = pointsOf(metricsOf(await producer.collect()), MetricNames.RPC_SERVER_DURATION);
    assert.equal(after.find((p) => p.attributes['rpc.method'] === 'a')?.value.count, 1);
  });
});
