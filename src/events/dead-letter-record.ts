import type { IHeaders } from 'kafkajs';
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
 * DEAD_LETTER_RECORD_OVERHEAD_BYTES is the room kept, when a value is cut to
 * fit, for what is not key, value or header text: the record batch header
 * (61 bytes) and the varints of the record and of each header, generously.
 */
export const DEAD_LETTER_RECORD_OVERHEAD_BYTES = 1024;

// Headers that describe the record itself, not one dead-lettering: kept when it is dead-lettered again.
const KEPT_HEADERS: ReadonlySet<string> = new Set([DeadLetterHeaders.REDRIVE_COUNT, DeadLetterHeaders.ORIGINAL_VALUE_BYTES]);

function headerBytes(headers: IHeaders): number {
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    size += Buffer.byteLength(name);
    for (const part of Array.isArray(value) ? value : [value]) if (part !== undefined) size += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
  }
  return size;
}

/**
 * deadLetterRecord copies a consumed record to its `<topic>.dlq`: the same
 * key, value and headers (so a redrive restores it exactly) plus the
 * DeadLetterHeaders. The dlq-* headers of an earlier dead-lettering are
 * replaced, and the redrive count is kept.
 *
 * With `maxRecordBytes` (the dead-letter topic's max.message.bytes), a copy
 * that would not fit keeps its key and headers and the first bytes of its
 * value, and says so in `dlq-original-value-bytes`: a record the broker
 * refuses would fail the produce request it shares with others, and the
 * reason for dead-lettering would be lost with it.
 */
export function deadLetterRecord(record: ConsumedRecord, reason: DeadLetterReason, failedAt = new Date(), maxRecordBytes?: number): OutgoingRecord {
  const kept = { ...record.headers };
  for (const name of Object.values(DeadLetterHeaders)) if (!KEPT_HEADERS.has(name)) delete kept[name];
  const headers: IHeaders = {
    ...kept,
    [DeadLetterHeaders.ERROR_CODE]: reason.code,
    [DeadLetterHeaders.ERROR_MESSAGE]: reason.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
    [DeadLetterHeaders.ATTEMPTS]: String(reason.attempts),
    [DeadLetterHeaders.ORIGIN_TOPIC]: record.topic,
    [DeadLetterHeaders.ORIGIN_PARTITION]: String(record.partition),
    [DeadLetterHeaders.ORIGIN_OFFSET]: record.offset,
    [DeadLetterHeaders.CONSUMER_GROUP]: reason.group,
    [DeadLetterHeaders.FAILED_AT]: failedAt.toISOString(),
  };
  let value = record.value;
  if (maxRecordBytes !== undefined && value !== null) {
    // A value cut once before keeps its first original length.
    const original = kept[DeadLetterHeaders.ORIGINAL_VALUE_BYTES];
    const marker = { [DeadLetterHeaders.ORIGINAL_VALUE_BYTES]: original === undefined ? String(value.length) : original };
    const room = maxRecordBytes - DEAD_LETTER_RECORD_OVERHEAD_BYTES - (record.key?.length ?? 0) - headerBytes({ ...headers, ...marker });
    if (value.length > room) {
      value = value.subarray(0, Math.max(0, room));
      Object.assign(headers, marker);
    }
  }
  return { topic: deadLetterTopic(record.topic), key: record.key, value, headers };
}
