import type { Admin } from 'kafkajs';

/** CopyTopic says whether the target topic of a copy was created and whether partitions can be kept. */
export interface CopyTopic {
  created: boolean;
  /** keepPartition is true when the target has at least as many partitions as the source, so each record can stay on its partition number. */
  keepPartition: boolean;
  partitions: number;
}

/**
 * ensureCopyTopic creates `target` with the source's partition count when it
 * does not exist yet, so a replay into a new topic is an exact copy
 * partition by partition.
 */
export async function ensureCopyTopic(admin: Admin, source: string, target: string): Promise<CopyTopic> {
  const sourcePartitions = (await admin.fetchTopicMetadata({ topics: [source] })).topics[0]?.partitions ?? [];
  const existing = await admin.listTopics();
  if (!existing.includes(target)) {
    await admin.createTopics({ topics: [{ topic: target, numPartitions: sourcePartitions.length }], waitForLeaders: true });
    return { created: true, keepPartition: true, partitions: sourcePartitions.length };
  }
  const partitions = (await admin.fetchTopicMetadata({ topics: [target] })).topics[0]?.partitions ?? [];
  return { created: false, keepPartition: partitions.length >= sourcePartitions.length, partitions: partitions.length };
}
