import type { IHeaders, KafkaMessage } from 'kafkajs';

/** RecordHeaders are a record's headers as the broker returns them: a repeated name carries an array. */
export type RecordHeaders = Record<string, Buffer | Buffer[]>;

/**
 * ReplayRecord is one raw Kafka record, independent of any envelope, so that
 * replay works on every topic (events, jobs, saga log, dead letters).
 */
export interface ReplayRecord {
  topic: string;
  partition: number;
  /** The record's offset (int64 as a decimal string, as kafkajs gives it). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  /** CreateTime or LogAppendTime of the record, epoch milliseconds as a decimal string (as kafkajs and ConsumedRecord of src/kafka give it). */
  timestamp: string;
}

/** toReplayRecord converts a kafkajs message of `topic`/`partition` into a ReplayRecord. */
export function toReplayRecord(topic: string, partition: number, message: KafkaMessage): ReplayRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: normalizeHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

// kafkajs hands over Buffers (an array for a repeated name): then the headers are already RecordHeaders.
function isNormalized(headers: IHeaders): headers is RecordHeaders {
  for (const name in headers) {
    const value = headers[name];
    if (Buffer.isBuffer(value)) continue;
    if (!Array.isArray(value) || !value.every((item) => Buffer.isBuffer(item))) return false;
  }
  return true;
}

function normalizeHeaders(headers: IHeaders | undefined): RecordHeaders {
  // No copy per record when there is nothing to convert.
  if (headers && isNormalized(headers)) return headers;
  const result: RecordHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.map(toBuffer) : toBuffer(value);
  }
  return result;
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** headerText returns the first value of header `name` as UTF-8 text, or undefined when absent. */
export function headerText(headers: RecordHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString('utf8');
}
