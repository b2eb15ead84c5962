import { metrics, type Counter, type Histogram, type Meter, type MeterProvider } from '@opentelemetry/api';
import { meshMeter } from './telemetry-scope.js';

/** DURATION_BUCKETS_MS are the histogram boundaries of every duration the toolkit records, in milliseconds. */
export const DURATION_BUCKETS_MS: readonly number[] = Object.freeze([1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000]);

/** MetricNames names every instrument the toolkit creates. */
export const MetricNames = {
  RPC_CLIENT_DURATION: 'rpc.client.duration',
  RPC_SERVER_DURATION: 'rpc.server.duration',
  RPC_RETRIES: 'mesh.rpc.retries',
  RPC_RETRY_BUDGET_EXHAUSTED: 'mesh.rpc.retry_budget.exhausted',
  RPC_BREAKER_REJECTIONS: 'mesh.rpc.breaker.rejections',
  RPC_DEADLINE_EXHAUSTED: 'mesh.rpc.deadline.exhausted',
  BREAKER_STATE: 'mesh.breaker.state',
  CONSUMER_LAG: 'messaging.kafka.consumer.lag',
  JOB_DURATION: 'mesh.job.duration',
  JOB_OUTCOMES: 'mesh.job.outcomes',
  SAGA_DURATION: 'mesh.saga.duration',
  SAGA_OUTCOMES: 'mesh.saga.outcomes',
} as const;

/** RPC_DURATION_DESCRIPTIONS are the descriptions of the two RPC duration histograms, by side. */
export const RPC_DURATION_DESCRIPTIONS = {
  client: 'Duration of outgoing RPCs, by method and code, retries included',
  server: 'Duration of incoming RPCs, by method and code',
} as const;

/** RpcSide says which end of a call a duration was measured at. */
export type RpcSide = 'client' | 'server';

/** MeshMetrics are the toolkit's synchronous instruments; observable ones are registered by observeBreakerStates and observeConsumerLag. */
export interface MeshMetrics {
  readonly meter: Meter;
  readonly rpcClientDuration: Histogram;
  readonly rpcServerDuration: Histogram;
  readonly rpcRetries: Counter;
  readonly rpcRetryBudgetExhausted: Counter;
  readonly rpcBreakerRejections: Counter;
  readonly rpcDeadlineExhausted: Counter;
  readonly jobDuration: Histogram;
  readonly jobOutcomes: Counter;
  readonly sagaDuration: Histogram;
  readonly sagaOutcomes: Counter;
}

let cached: { provider: MeterProvider; metrics: MeshMetrics } | undefined;

/**
 * meshMetrics returns the toolkit's instruments on the global MeterProvider.
 * The metrics API has no proxy provider (unlike traces): instruments made
 * before startTelemetry would stay no-ops, so they are made on first use and
 * again whenever the global provider changes.
 */
export function meshMetrics(): MeshMetrics {
  const provider = metrics.getMeterProvider();
  if (cached?.provider !== provider) cached = { provider, metrics: createMeshMetrics(meshMeter()) };
  return cached.metrics;
}

function createMeshMetrics(meter: Meter): MeshMetrics {
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 'ms', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_MS] } });
  return {
    meter,
    rpcClientDuration: duration(MetricNames.RPC_CLIENT_DURATION, RPC_DURATION_DESCRIPTIONS.client),
    rpcServerDuration: duration(MetricNames.RPC_SERVER_DURATION, RPC_DURATION_DESCRIPTIONS.server),
    rpcRetries: meter.createCounter(MetricNames.RPC_RETRIES, { description: 'Retries made by clients, by method and the failed code' }),
    rpcRetryBudgetExhausted: meter.createCounter(MetricNames.RPC_RETRY_BUDGET_EXHAUSTED, {
      description: 'Retries refused because the target retry budget was spent',
    }),
    rpcBreakerRejections: meter.createCounter(MetricNames.RPC_BREAKER_REJECTIONS, { description: 'Calls failed fast by a circuit breaker' }),
    rpcDeadlineExhausted: meter.createCounter(MetricNames.RPC_DEADLINE_EXHAUSTED, { description: 'Calls not sent because their deadline was spent' }),
    jobDuration: duration(MetricNames.JOB_DURATION, 'Duration of job processing attempts, by queue, name and outcome'),
    jobOutcomes: meter.createCounter(MetricNames.JOB_OUTCOMES, { description: 'Job processing attempts, by queue, name and outcome' }),
    sagaDuration: duration(MetricNames.SAGA_DURATION, 'Duration of sagas from start to final state, by saga and outcome'),
    sagaOutcomes: meter.createCounter(MetricNames.SAGA_OUTCOMES, { description: 'Sagas that reached a final state, by saga and outcome' }),
  };
}

