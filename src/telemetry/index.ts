// Telemetry of the toolkit: the OpenTelemetry SDK bootstrap, RPC and Kafka
// tracing, span helpers for jobs and sagas, metrics and the logger.
export { BreakerStateValue, observeBreakerStates, type BreakerSource } from './breaker-state-gauge.js';
export { createClientTracingInterceptor, type ClientTracingOptions } from './client-tracing-interceptor.js';
export {
  computeLag,
  fetchConsumerLag,
  observeConsumerLag,
  type ConsumerLagSource,
  type LagAdmin,
  type PartitionLag,
} from './consumer-lag.js';
export {
  DEFAULT_CONSUMER_PARENTAGE,
  startConsumerSpan,
  withConsumerSpan,
  type ConsumerParentage,
  type ConsumerSpan,
  type ConsumerSpanOptions,
} from './consumer-span.js';
export { ContextIdGenerator } from './context-id-generator.js';
export { fetchHeadersGetter, fetchHeadersSetter, kafkaHeadersGetter, kafkaHeadersSetter, type KafkaHeaders } from './header-carriers.js';
export { instrumentRetryBudget } from './instrument-retry-budget.js';
export { withJobSpan, type JobOutcome, type JobSpanOptions } from './job-span.js';
export { extractKafkaContext, injectKafkaHeaders } from './kafka-propagation.js';
export {
  createLogger,
  DEFAULT_LOG_LEVEL,
  DEFAULT_REDACT_PATHS,
  LOG_LEVEL_ENV,
  logger,
  REDACTED,
  type LoggerFactoryOptions,
} from './logger.js';
export { DURATION_BUCKETS_MS, meshMetrics, MetricNames, RPC_DURATION_DESCRIPTIONS, type MeshMetrics, type RpcSide } from './mesh-metrics.js';
export {
  createRpcDurationProducer,
  DEFAULT_RPC_DURATION_CARDINALITY_LIMIT,
  OVERFLOW_ATTRIBUTES,
  recordRpcDuration,
  type RpcDurationProducer,
  type RpcDurationProducerOptions,
} from './rpc-duration-producer.js';
export {
  sendTraced,
  startProducerSpan,
  type ProducedRecord,
  type ProducerSpan,
  type ProducerSpanOptions,
} from './producer-span.js';
export { codeName, connectErrorCode, rpcSystemOf, type RpcSystem } from './rpc-call-attributes.js';
export { DEFAULT_UNARY_MESSAGE_EVENTS, SERVER_ERROR_CODES } from './rpc-span-outcome.js';
export { startRpcSpan } from './rpc-span-start.js';
export {
  recordSagaOutcome,
  withSagaSpan,
  withSagaStepSpan,
  type SagaOutcome,
  type SagaSpanOptions,
  type SagaStepSpanOptions,
} from './saga-span.js';
export { MeshAttributes, MeshSpanEvents, MessagingAttributes, RpcAttributes } from './semantic-attributes.js';
export { createServerTracingInterceptor, type ServerTracingOptions } from './server-tracing-interceptor.js';
export {
  describeRejection,
  recordBreakerRejection,
  recordDeadlineExhausted,
  recordRetryAttempt,
  recordRetryEvent,
  type RetryEventLike,
} from './span-events.js';
export { failSpan, runInSpan } from './span-outcome.js';
export {
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_SAMPLE_RATIO,
  DEFAULT_SPAN_EXPORT_DELAY_MS,
  OTLP_ENDPOINT_ENV,
  SDK_SELF_METRICS_ENV,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './start-telemetry.js';
export { isTelemetryEnabled } from './telemetry-enabled.js';
export { meshMeter, meshTracer, TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from './telemetry-scope.js';
export { isTracingActive } from './tracing-active.js';
export { injectRpcTraceContext, W3CPropagator } from './w3c-propagator.js';
