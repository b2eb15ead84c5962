// Public API of the Kafka plumbing shared by events and jobs: client, topic
// admin, producer, consumer runner. Event semantics live in src/events.
export { createKafka, DEFAULT_KAFKA_CLIENT_ID, DEFAULT_KAFKA_LOG_LEVEL, type CreateKafkaOptions } from './create-kafka.js';
export { REDACTED_SECRET } from './kafka-log-creator.js';
export { kafkaBrokers, brokersFromEnv, KAFKA_BROKERS_ENV } from './kafka-brokers.js';
export { KafkaTransportError, type KafkaTransportErrorCode } from './kafka-transport-error.js';
export { authenticationErrorOf } from './kafka-authentication-error.js';
export {
  KAFKA_SASL_MECHANISM_ENV,
  KAFKA_SASL_MECHANISMS,
  KAFKA_SASL_PASSWORD_ENV,
  KAFKA_SASL_USERNAME_ENV,
  KAFKA_TLS_CA_FILE_ENV,
  KAFKA_TLS_CERT_FILE_ENV,
  KAFKA_TLS_ENV,
  KAFKA_TLS_KEY_FILE_ENV,
  kafkaSecurityFromEnv,
  type KafkaSaslMechanism,
  type KafkaSecurity,
} from './kafka-security.js';
export { isTransientKafkaError } from './is-transient-kafka-error.js';
export { BackPressureError } from './back-pressure-error.js';
export { DAY_MS, DEFAULT_REPLICATION_FACTOR, DEFAULT_TOPIC_PARTITIONS, RETENTION_FOREVER, type TopicCatalogue, type TopicSpec } from './topic-spec.js';
export { ensureTopics, ENSURE_TOPICS_TIMEOUT_MS, type EnsureTopicsResult } from './ensure-topics.js';
export { BROKER_DEFAULT_MAX_MESSAGE_BYTES, topicMaxMessageBytes } from './topic-max-message-bytes.js';
export type { OutgoingRecord, RecordAck } from './outgoing-record.js';
export {
  createMeshProducer,
  DEFAULT_DELIVERY_RETRY_BACKOFF,
  DEFAULT_DELIVERY_TIMEOUT,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_PARTITION_COUNT_TTL,
  type MeshProducer,
  type MeshProducerOptions,
} from './mesh-producer.js';
export { acquireSharedProducer } from './shared-producer.js';
export { createTransactionalProducer, remembersTransactionCoordinator } from './transactional-producer.js';
export type { ConsumedRecord, RecordControl, RecordHandler } from './consumed-record.js';
export {
  DEFAULT_COMMIT_INTERVAL,
  DEFAULT_FETCH_MAX_WAIT,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_REBALANCE_TIMEOUT,
  DEFAULT_RESTART_BACKOFF,
  DEFAULT_RUNNER_CONCURRENCY,
  DEFAULT_SESSION_TIMEOUT,
  DEFAULT_TOPIC_REFRESH_INTERVAL,
  type ConsumerRunnerOptions,
  type TopicPattern,
} from './consumer-runner-options.js';
export { createConsumerRunner, type ConsumerRunner, type CrashEvent, type GroupJoinEvent } from './consumer-runner.js';
