import type { IHeaders } from 'kafkajs';

/** ConsumedRecord is one record as the consumer runner hands it to a handler. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Record timestamp in epoch milliseconds, as a string. */
  timestamp: string;
}

/** RecordControl is what a handler may do besides returning: watch for stop, heartbeat, pause its partition. */
export interface RecordControl {
  /** Aborted when the runner stops; a handler should give up quickly, and its record is then delivered again later. */
  signal: AbortSignal;
  /** heartbeat keeps the group membership alive; the runner already calls it every heartbeatInterval while a handler runs. */
  heartbeat(): Promise<void>;
  /**
   * pause stops this partition after the current record (which still counts as
   * handled), and resumes it after `resumeAfterMs`, or on `runner.resume` when omitted.
   */
  pause(resumeAfterMs?: number): void;
}

/**
 * RecordHandler handles one record; a throw that is not a BackPressureError is
 * a transport-level failure (see createConsumerRunner). It may return
 * nothing when it finished synchronously (a record it skips, for instance),
 * which spares the runner a microtask turn.
 */
export type RecordHandler = (record: ConsumedRecord, control: RecordControl) => Promise<void> | void;
