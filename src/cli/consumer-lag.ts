import type { Admin } from 'kafkajs';

/** MAX_LAG_GROUPS caps how many consumer groups one lag reading asks about, so a broker full of test groups stays cheap to watch. */
export const MAX_LAG_GROUPS = 50;

/** GroupLag is how far one consumer group is behind on the watched topics. */
export interface GroupLag {
  group: string;
  /** topics the group has committed offsets on, among the watched ones. */
  topics: string[];
  /** lag is the sum over their partitions of (high watermark - committed offset); a partition with no commit counts from its low watermark. */
  lag: number;
}

/** ConsumerLagReading is one look at every consumer group of the watched topics. */
export interface ConsumerLagReading {
  groups: GroupLag[];
  /** skipped counts the consumer groups not asked about because of MAX_LAG_GROUPS. */
  skipped: number;
}

/**
 * readConsumerLag computes the lag of every consumer group that has
 * committed offsets on `watchedTopics` (those that exist), from the
 * groups' committed offsets and the topics' watermarks.
 */
export async function readConsumerLag(admin: Admin, watchedTopics: readonly string[], maxGroups = MAX_LAG_GROUPS): Promise<ConsumerLagReading> {
  const existing = new Set(await admin.listTopics());
  const topics = watchedTopics.filter((topic) => existing.has(topic));
  const { groups } = await admin.listGroups();
  const consumerGroups = groups.filter((group) => group.protocolType === 'consumer').map((group) => group.groupId).sort();
  if (topics.length === 0) return { groups: [], skipped: 0 };

  const watermarks = new Map<string, Map<number, { low: bigint; high: bigint }>>();
  const watermarksOf = async (topic: string) => {
    let byPartition = watermarks.get(topic);
    if (!byPartition) {
      byPartition = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
      watermarks.set(topic, byPartition);
    }
    return byPartition;
  };

  const result: GroupLag[] = [];
  for (const group of consumerGroups.slice(0, maxGroups)) {
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
    let lag = 0n;
    const committedTopics: string[] = [];
    for (const { topic, partitions } of offsets) {
      if (!partitions.some((p) => BigInt(p.offset) >= 0n)) continue;
      committedTopics.push(topic);
      const marks = await watermarksOf(topic);
      for (const { partition, offset } of partitions) {
        const mark = marks.get(partition);
        if (!mark) continue;
        const committed = BigInt(offset) >= 0n ? BigInt(offset) : mark.low;
        if (mark.high > committed) lag += mark.high - committed;
      }
    }
    if (committedTopics.length > 0) result.push({ group, topics: committedTopics, lag: Number(lag) });
  }
  return { groups: result, skipped: Math.max(0, consumerGroups.length - maxGroups) };
}
