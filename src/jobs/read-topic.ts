import type { KafkaMessage } from 'kafkajs';
import { openAssignedReader } from '../replay/assigned-reader.js';
import type { QueueBase } from './queue-base.js';

/** TopicMessage is a message read by readTopic, with its partition. */
export type TopicMessage = KafkaMessage & { partition: number };

/** readTopic reads a topic from its start to its current end (read_committed), for inspection; it is not for hot paths. */
export async function readTopic(base: QueueBase, topic: string): Promise<TopicMessage[]> {
  const admin = await base.admin();
  const offsets = await base.topicOffsets(topic);
  const windows = offsets.map(({ partition, low, high }) => ({ topic, partition, start: BigInt(low), end: BigInt(high) })).filter((w) => w.end > w.start);
  if (windows.length === 0) return [];
  const messages: TopicMessage[] = [];
  const reader = await openAssignedReader({
    kafka: base.kafka,
    admin,
    groupIdPrefix: `${topic}.inspect`,
    partitions: windows,
    onBatch: async ({ partition, messages: batch }) => {
      for (const message of batch) messages.push({ ...message, partition });
    },
  });
  try {
    await reader.finished;
  } finally {
    await reader.close();
  }
  return messages;
}
