/**
 * KafkaTransportErrorCode names every way the shared Kafka plumbing (topic
 * admin, producer, consumer runner) can fail, as a stable string to branch on.
 */
export type KafkaTransportErrorCode =
  /** ensureTopics could not create a topic (other than "it already exists"). */
  | 'TOPIC_CREATE_FAILED'
  /** The producer was closed before or while a record was sent. */
  | 'PRODUCER_CLOSED'
  /** The broker did not acknowledge a record. */
  | 'SEND_FAILED'
  /** A topic's metadata (partition count) could not be read. */
  | 'METADATA_FAILED'
  /** The consumer runner was started twice, or used after stop. */
  | 'RUNNER_STATE'
  /** The consumer runner is stopping; handlers see it as their signal's reason. */
  | 'RUNNER_STOPPED'
  /** A handler asked to pause its partition and see the record again later (BackPressureError). */
  | 'BACK_PRESSURE'
  /** The SASL/TLS settings (KAFKA_SASL_*, KAFKA_TLS*) do not fit together, or a file cannot be read. */
  | 'INVALID_SECURITY_CONFIG'
  /** The broker refused the SASL credentials. */
  | 'AUTHENTICATION_FAILED';

/**
 * KafkaTransportError is the one error class of src/kafka; `code` is stable,
 * the message is for people, and `cause` keeps the kafkajs error.
 */
export class KafkaTransportError extends Error {
  override readonly name = 'KafkaTransportError';

  constructor(
    readonly code: KafkaTransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
