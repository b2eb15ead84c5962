import { CloudEventHeaders } from '../events/cloud-event-headers.js';
import { DEAD_LETTER_SUFFIX, DeadLetterHeaders } from '../events/dead-letter-headers.js';
import { headerText, type RecordHeaders, type ReplayRecord } from './replay-record.js';
import { toEpochMs, type TimeValue } from './replay-position.js';


const deadLetterHeaderNames: ReadonlySet<string> = new Set(Object.values(DeadLetterHeaders));

/** DeadLetterEntry is a record of a `<topic>.dlq` topic, parsed: where it failed, why, and the original record. */
export interface DeadLetterEntry {
  dlqTopic: string;
  partition: number;
  offset: string;
  /** Timestamp of the dead-letter record, epoch milliseconds. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** DeadLetterHeaders.ORIGIN_TOPIC, or the DLQ's name without `.dlq` when the header is missing. */
  originTopic: string;
  originPartition: number | undefined;
  originOffset: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  attempts: number | undefined;
  consumerGroup: string | undefined;
  failedAt: Date | undefined;
  /** The CloudEvents type (`ce_type`), when the original record is a CloudEvent in binary mode. */
  type: string | undefined;
  /** The CloudEvents id (`ce_id`), when present. */
  id: string | undefined;
  /** How many times this record was redriven already (DeadLetterHeaders.REDRIVE_COUNT, 0 when absent). */
  redriveCount: number;
  /**
   * The original value's length when the copy's value was cut to fit the DLQ
   * (DeadLetterHeaders.ORIGINAL_VALUE_BYTES): such a record cannot be restored.
   */
  originalValueBytes: number | undefined;
  /** The original record's headers: every dead-letter header removed (the redrive count too). */
  headers: RecordHeaders;
}

/** parseDeadLetter reads the dead-letter headers of a record of a DLQ topic. */
export function parseDeadLetter(record: ReplayRecord): DeadLetterEntry {
  const header = (name: string) => headerText(record.headers, name);
  const number = (name: string) => {
    const value = Number(header(name));
    return header(name) === undefined || !Number.isFinite(value) ? undefined : value;
  };
  const failedAt = header(DeadLetterHeaders.FAILED_AT);
  const failedAtMs = failedAt === undefined ? Number.NaN : Date.parse(failedAt);
  const headers: RecordHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) if (!deadLetterHeaderNames.has(name)) headers[name] = value;
  return {
    dlqTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: Number(record.timestamp),
    key: record.key,
    value: record.value,
    originTopic: header(DeadLetterHeaders.ORIGIN_TOPIC) ?? originOf(record.topic),
    originPartition: number(DeadLetterHeaders.ORIGIN_PARTITION),
    originOffset: header(DeadLetterHeaders.ORIGIN_OFFSET),
    errorCode: header(DeadLetterHeaders.ERROR_CODE),
    errorMessage: header(DeadLetterHeaders.ERROR_MESSAGE),
    attempts: number(DeadLetterHeaders.ATTEMPTS),
    consumerGroup: header(DeadLetterHeaders.CONSUMER_GROUP),
    failedAt: Number.isFinite(failedAtMs) ? new Date(failedAtMs) : undefined,
    type: header(CloudEventHeaders.TYPE),
    id: header(CloudEventHeaders.ID),
    redriveCount: number(DeadLetterHeaders.REDRIVE_COUNT) ?? 0,
    originalValueBytes: number(DeadLetterHeaders.ORIGINAL_VALUE_BYTES),
    headers,
  };
}

function originOf(dlqTopic: string): string {
  return dlqTopic.endsWith(DEAD_LETTER_SUFFIX) ? dlqTopic.slice(0, -DEAD_LETTER_SUFFIX.length) : dlqTopic;
}

/** DeadLetterFilter selects dead letters; every given criterion must hold. */
export interface DeadLetterFilter {
  /** CloudEvents type(s) (`ce_type`). */
  type?: string | readonly string[];
  /** DeadLetterHeaders.ERROR_CODE value(s). */
  errorCode?: string | readonly string[];
  /** Failed at or after this time (DeadLetterHeaders.FAILED_AT, else the record timestamp). */
  since?: TimeValue;
  /** Failed before this time (exclusive). */
  until?: TimeValue;
  /** Any further condition. */
  where?: (entry: DeadLetterEntry) => boolean;
}

/** matchesDeadLetter tells whether `entry` passes `filter`. */
export function matchesDeadLetter(entry: DeadLetterEntry, filter: DeadLetterFilter = {}): boolean {
  const oneOf = (wanted: string | readonly string[] | undefined, actual: string | undefined) =>
    wanted === undefined || (actual !== undefined && (typeof wanted === 'string' ? wanted === actual : wanted.includes(actual)));
  const failedAt = entry.failedAt?.getTime() ?? entry.timestamp;
  return (
    oneOf(filter.type, entry.type) &&
    oneOf(filter.errorCode, entry.errorCode) &&
    (filter.since === undefined || failedAt >= toEpochMs(filter.since)) &&
    (filter.until === undefined || failedAt < toEpochMs(filter.until)) &&
    (filter.where?.(entry) ?? true)
  );
}
