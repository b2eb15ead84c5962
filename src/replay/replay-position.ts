import { ReplayError, ReplayErrorCode } from './replay-error.js';

/** OffsetValue is a Kafka offset given as a number, a bigint or a decimal string. */
export type OffsetValue = number | bigint | string;

/** TimeValue is a point in time: a Date, epoch milliseconds, or an ISO-8601 string. */
export type TimeValue = Date | number | string;

/**
 * ReplayPosition says where a replay starts (`from`, inclusive) or ends (`to`,
 * exclusive):
 * - `'earliest'` / `'latest'`: the log start / the high watermark, read once when the replay starts;
 * - `{ offset: n }`: the same offset on every partition of the topic;
 * - `{ offset: { [partition]: n } }`: per partition; as `from`, only the listed partitions are read;
 *   as `to`, unlisted partitions end at `'latest'`;
 * - `{ timestamp }`: the first record whose timestamp is at or after that time
 *   (Kafka's ListOffsets by time); records are also filtered by timestamp.
 */
export type ReplayPosition =
  | 'earliest'
  | 'latest'
  | { offset: OffsetValue | Readonly<Record<number, OffsetValue>> }
  | { timestamp: TimeValue };

/** toEpochMs converts a TimeValue to epoch milliseconds, refusing what is not a time. */
export function toEpochMs(time: TimeValue): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) {
    throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, `not a time: ${String(time)}`);
  }
  return ms;
}

/** toOffset converts an OffsetValue to a bigint, refusing negative or fractional values. */
export function toOffset(value: OffsetValue): bigint {
  try {
    const offset = BigInt(value);
    if (offset >= 0n) return offset;
  } catch {
    // reported below with the value
  }
  throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, `not an offset: ${String(value)}`);
}
