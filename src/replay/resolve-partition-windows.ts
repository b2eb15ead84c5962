import type { Admin } from 'kafkajs';
import { ReplayError, ReplayErrorCode } from './replay-error.js';
import { toEpochMs, toOffset, type ReplayPosition } from './replay-position.js';

/** ReplayTopic names a topic to replay, optionally with its own from/to. */
export interface ReplayTopic {
  topic: string;
  from?: ReplayPosition;
  to?: ReplayPosition;
}

/** PartitionWindow is the resolved window of one partition: offsets [start, end) and, for time windows, timestamps [fromTime, toTime). */
export interface PartitionWindow {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
  fromTime?: number;
  toTime?: number;
}

interface Watermarks {
  low: bigint;
  high: bigint;
}

/**
 * resolvePartitionWindows turns from/to positions into concrete offsets, once,
 * when a replay starts: the high watermark read now is the end of 'latest', so
 * a topic that keeps receiving records still ends. Offsets are clamped to what
 * the log holds.
 */
export async function resolvePartitionWindows(admin: Admin, topics: readonly ReplayTopic[], from: ReplayPosition, to: ReplayPosition): Promise<PartitionWindow[]> {
  await assertTopicsExist(admin, topics.map((entry) => entry.topic));
  const windows: PartitionWindow[] = [];
  for (const entry of topics) {
    const marks = new Map<number, Watermarks>();
    for (const { partition, low, high } of await admin.fetchTopicOffsets(entry.topic)) {
      marks.set(partition, { low: BigInt(low), high: BigInt(high) });
    }
    const fromPosition = entry.from ?? from;
    const toPosition = entry.to ?? to;
    const starts = await resolvePosition(admin, entry.topic, marks, fromPosition, 'from');
    const ends = await resolvePosition(admin, entry.topic, marks, toPosition, 'to');
    const fromTime = typeof fromPosition === 'object' && 'timestamp' in fromPosition ? toEpochMs(fromPosition.timestamp) : undefined;
    const toTime = typeof toPosition === 'object' && 'timestamp' in toPosition ? toEpochMs(toPosition.timestamp) : undefined;
    for (const [partition, start] of [...starts].sort(([a], [b]) => a - b)) {
      const { high } = marks.get(partition)!;
      const end = ends.get(partition) ?? high;
      windows.push({
        topic: entry.topic,
        partition,
        start,
        end: end < start ? start : end,
        ...(fromTime === undefined ? {} : { fromTime }),
        ...(toTime === undefined ? {} : { toTime }),
      });
    }
  }
  return windows;
}

async function resolvePosition(admin: Admin, topic: string, marks: Map<number, Watermarks>, position: ReplayPosition, side: 'from' | 'to'): Promise<Map<number, bigint>> {
  const clamp = (partition: number, offset: bigint) => {
    const { low, high } = marks.get(partition)!;
    return offset < low ? low : offset > high ? high : offset;
  };
  const each = (offset: (mark: Watermarks) => bigint) => new Map([...marks].map(([partition, mark]) => [partition, offset(mark)]));
  if (position === 'earliest') return each((mark) => mark.low);
  if (position === 'latest') return each((mark) => mark.high);
  if ('timestamp' in position) {
    // kafkajs answers the high watermark for partitions without a record at or after the time.
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, toEpochMs(position.timestamp));
    return new Map(found.filter(({ partition }) => marks.has(partition)).map(({ partition, offset }) => [partition, clamp(partition, BigInt(offset))]));
  }
  if ('offset' in position) {
    const { offset } = position;
    if (typeof offset !== 'object') {
      const value = toOffset(offset);
      return new Map([...marks.keys()].map((partition) => [partition, clamp(partition, value)]));
    }
    const result = new Map<number, bigint>();
    for (const [key, value] of Object.entries(offset)) {
      const partition = Number(key);
      if (!marks.has(partition)) {
        throw new ReplayError(ReplayErrorCode.UNKNOWN_TOPIC, `topic ${topic} has no partition ${key}`);
      }
      result.set(partition, clamp(partition, toOffset(value)));
    }
    // As `to`, a partition left out of the map ends at its high watermark.
    if (side === 'to') for (const [partition, mark] of marks) if (!result.has(partition)) result.set(partition, mark.high);
    return result;
  }
  throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, `invalid ${side} position: ${JSON.stringify(position)}`);
}

/**
 * assertTopicsExist asks for the metadata of `names` alone (a kafkajs admin
 * never creates a topic by asking), not of every topic of the cluster: on a
 * broker with hundreds of topics listing them all costs a replay ~20 ms. Only
 * when one is missing are all listed, to say which.
 */
export async function assertTopicsExist(admin: Admin, names: readonly string[], what = 'topic'): Promise<void> {
  try {
    await admin.fetchTopicMetadata({ topics: [...names] });
  } catch (error) {
    if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    const existing = new Set(await admin.listTopics());
    const missing = names.find((name) => !existing.has(name)) ?? names.join(', ');
    throw new ReplayError(ReplayErrorCode.UNKNOWN_TOPIC, `${what} ${missing} does not exist`, { cause: error });
  }
}
