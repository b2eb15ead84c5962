/**
 * DeadLetterHeaders are added to a record when it is copied to `<topic>.dlq`;
 * the original key, value and headers are kept unchanged beside them, so a
 * redrive can restore the record exactly.
 */
export const DeadLetterHeaders = {
  /** Stable error code (e.g. DECODE_FAILED, UNKNOWN_TYPE, HANDLER_FAILED). */
  ERROR_CODE: 'dlq-error-code',
  ERROR_MESSAGE: 'dlq-error-message',
  /** How many times the handler ran before giving up (0 when it never could). */
  ATTEMPTS: 'dlq-attempts',
  ORIGIN_TOPIC: 'dlq-origin-topic',
  ORIGIN_PARTITION: 'dlq-origin-partition',
  ORIGIN_OFFSET: 'dlq-origin-offset',
  /** The consumer group whose handler failed. */
  CONSUMER_GROUP: 'dlq-consumer-group',
  /** ISO-8601 time of dead-lettering. */
  FAILED_AT: 'dlq-failed-at',
  /** Set on a redriven record, counting redrives, so a loop can be seen. */
  REDRIVE_COUNT: 'dlq-redrive-count',
  /**
   * Set only when the value was cut to fit the dead-letter topic's
   * max.message.bytes: the original value's length in bytes. The kept value
   * is its first bytes; such a record cannot be redriven as it was.
   */
  ORIGINAL_VALUE_BYTES: 'dlq-original-value-bytes',
} as const;

/** DEAD_LETTER_SUFFIX names a topic's dead-letter topic: `<topic>.dlq`. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** deadLetterTopic returns the dead-letter topic of `topic`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}
