// The telemetry hooks plug into the toolkit's RPC pieces as the wiring table
// in src/telemetry/README.md says: these lines must compile and work as written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createBreakerRegistry, type RetryOptions } from '../../src/rpc/interceptors/index.js';
import { createRetryBudget } from '../../src/resilience/index.js';
import { instrumentRetryBudget, observeBreakerStates, recordRetryEvent, startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
let telemetry: Telemetry;
before(() => {
  telemetry = startTelemetry({ serviceName: 'wiring', otlpEndpoint: '', metricReaders: [reader] });
});
after(() => telemetry.shutdown());

test('a BreakerRegistry, a RetryBudget and the onRetry hook take the telemetry pieces as they are', async () => {
  const registry = createBreakerRegistry({ name: 'auth' });
  registry.get('http://127.0.0.1:3001').isolate();
  registry.get('http://127.0.0.1:3002');
  const observing = observeBreakerStates(registry);
  const budget = instrumentRetryBudget(createRetryBudget({ retryRatio: 0, minRetriesPerSecond: 0 }), 'auth.v1.AuthService');
  const options = { onRetry: recordRetryEvent, budget } satisfies RetryOptions;
  assert.equal(options.budget.tryWithdraw(), false);

  await reader.forceFlush();
  observing.dispose();
  const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  const states = metrics.find((m) => m.descriptor.name === 'mesh.breaker.state')!;
  const byEndpoint = Object.fromEntries(states.dataPoints.map((p) => [p.attributes['mesh.breaker.endpoint'], p.value]));
  assert.deepEqual(byEndpoint, { 'http://127.0.0.1:3001': 2, 'http://127.0.0.1:3002': 0 });
  const exhausted = metrics.find((m) => m.descriptor.name === 'mesh.rpc.retry_budget.exhausted')!;
  assert.equal(exhausted.dataPoints[0]?.value, 1);
});
