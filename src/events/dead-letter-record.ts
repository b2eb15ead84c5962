import type { ConsumedRecord, OutgoingRecord } from '../kafka/index.js';
import { DeadLetterHeaders, deadLetterTopic } from './dead-letter-headers.js';

/** DeadLetterReason says why a record is dead-lettered. */
export interface DeadLetterReason {
  /** An EventErrorCode, e.g. DECODE_FAILED or HANDLER_FAILED. */
  code: string;
  message: string;
  /** Handler runs before giving up; 0 when the record could not even be decoded. */
  attempts: number;
  group: string;
}

// Header values are UTF-8 strings on Kafka; keep them bounded so a huge stack
// trace cannot push the record past the broker's size limit.
const MAX_ERROR_MESSAGE_LENGTH = 2000;

/**
 * deadLetterRecord copies a consumed record to its `<topic>.dlq`: the same
 * key, value and headers (so a redrive restores it exactly) plus the
 * DeadLetterHeaders. The dlq-* headers of an earlier dead-lettering are
 * replaced, and the redrive count is kept.
 */
export function deadLetterRecord(record: ConsumedRecord, reason: DeadLetterReason, failedAt = new Date()): OutgoingRecord {
  const headers = { ...record.headers };
  for (const name of Object.values(DeadLetterHeaders)) if (name !== DeadLetterHeaders.REDRIVE_COUNT) delete headers[name];
  return {
    topic: deadLetterTopic(record.topic),
    key: record.key,
    value: record.value,
    headers: {
      ...headers,
      [DeadLetterHeaders.ERROR_CODE]: reason.code,
      [DeadLetterHeaders.ERROR_MESSAGE]: reason.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
      [DeadLetterHeaders.ATTEMPTS]: String(reason.attempts),
      [DeadLetterHeaders.ORIGIN_TOPIC]: record.topic,
      [DeadLetterHeaders.ORIGIN_PARTITION]: String(record.partition),
      [DeadLetterHeaders.ORIGIN_OFFSET]: record.offset,
      [DeadLetterHeaders.CONSUMER_GROUP]: reason.group,
      [DeadLetterHeaders.FAILED_AT]: failedAt.toISOString(),
    },
  };
}
