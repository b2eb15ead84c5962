import type { Admin } from 'kafkajs';
import { MAX_LAG_GROUPS } from './consumer-lag.js';

/** THROWAWAY_GROUP_PREFIXES name the groups replays and saga-log reads use once and delete; they are not consumers worth a lag. */
export const THROWAWAY_GROUP_PREFIXES: readonly string[] = ['mesh-replay', 'mesh-saga-read', 'mesh-projection'];

/** MESH_GROUP_PREFIXES name the groups of the mesh's own components (saga coordinator, job workers), read first when groups must be capped. */
export const MESH_GROUP_PREFIXES: readonly string[] = ['mesh-', 'jobs.'];

function isMeshGroup(group: string): boolean {
  return MESH_GROUP_PREFIXES.some((prefix) => group.startsWith(prefix));
}

/** TopicReading is one topic's partitions, end offsets and the lag of each group committed on it. */
export interface TopicReading {
  topic: string;
  partitions: number;
  /** endOffsets is the sum of the partitions' high watermarks. */
  endOffsets: number;
  /** records is the sum over partitions of (high - low): what the log holds now. */
  records: number;
  lag: { group: string; lag: number }[];
}

/**
 * readTopicLag reads the watermarks of `topics` (those that exist) and the
 * lag of every consumer group committed on them (at most MAX_LAG_GROUPS
 * groups, throwaway ones left out): one offsets fetch per group for all topics.
 */
export async function readTopicLag(admin: Admin, topics: readonly string[], maxGroups = MAX_LAG_GROUPS): Promise<{ readings: TopicReading[]; skippedGroups: number }> {
  const marks = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
  for (const topic of topics) {
    marks.set(topic, (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) })));
  }
  const readings = new Map<string, TopicReading>(
    [...marks].map(([topic, partitions]) => [
      topic,
      {
        topic,
        partitions: partitions.length,
        endOffsets: Number(partitions.reduce((sum, p) => sum + p.high, 0n)),
        records: Number(partitions.reduce((sum, p) => sum + p.high - p.low, 0n)),
        lag: [],
      },
    ]),
  );
  const { groups } = await admin.listGroups();
  const consumerGroups = groups
    .filter((group) => group.protocolType === 'consumer' && !THROWAWAY_GROUP_PREFIXES.some((prefix) => group.groupId.startsWith(prefix)))
    .map((group) => group.groupId)
    .sort((a, b) => Number(isMeshGroup(b)) - Number(isMeshGroup(a)) || a.localeCompare(b));
  if (topics.length > 0) {
    for (const group of consumerGroups.slice(0, maxGroups)) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics: [...topics] })) {
        if (!partitions.some((p) => BigInt(p.offset) >= 0n)) continue;
        let lag = 0n;
        for (const { partition, offset } of partitions) {
          const mark = marks.get(topic)?.find((p) => p.partition === partition);
          if (!mark) continue;
          const committed = BigInt(offset) >= 0n ? BigInt(offset) : mark.low;
          if (mark.high > committed) lag += mark.high - committed;
        }
        readings.get(topic)?.lag.push({ group, lag: Number(lag) });
      }
    }
  }
  return { readings: [...readings.values()], skippedGroups: Math.max(0, consumerGroups.length - maxGroups) };
}
