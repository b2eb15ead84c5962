import type { IHeaders } from 'kafkajs';

/** OutgoingRecord is one record to send; without `partition` the key picks it (murmur2, as the Java client does). */
export interface OutgoingRecord {
  topic: string;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
  partition?: number;
  /** Create time in epoch milliseconds, as a string; the broker's clock when unset. */
  timestamp?: string;
}

/** RecordAck is where the broker stored one record. */
export interface RecordAck {
  topic: string;
  partition: number;
  offset: string;
}
