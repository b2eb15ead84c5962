import type { Kafka } from 'kafkajs';
import { ReplayError, ReplayErrorCode } from './replay-error.js';

/** COMMIT_GROUP_OFFSETS_MAX_WAIT_MS bounds the idle poll after which the offsets are known to be committed. */
export const COMMIT_GROUP_OFFSETS_MAX_WAIT_MS = 100;

/**
 * commitGroupOffsets commits offsets of `topic` on behalf of an inactive
 * group, as kafkajs' admin.setOffsets does (join as the only member, pause,
 * seek: with autoCommit on, a seek is a commit), but with a short fetch wait:
 * admin.setOffsets waits for the first fetch, which with every partition
 * paused sleeps the default maxWaitTimeInMs of 5 s.
 */
export async function commitGroupOffsets(kafka: Kafka, groupId: string, topic: string, partitions: readonly { partition: number; offset: string }[]): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: COMMIT_GROUP_OFFSETS_MAX_WAIT_MS, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      // GROUP_JOIN is emitted before the first fetch, so the pause and the seeks land in time.
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        consumer.pause([{ topic }]);
        const assigned = new Set(payload.memberAssignment[topic] ?? []);
        if (partitions.some(({ partition }) => !assigned.has(partition))) {
          // Another member joined since the caller checked: commit nothing.
          reject(new ReplayError(ReplayErrorCode.GROUP_ACTIVE, `group ${groupId} gained a member while its offsets were being reset`));
          return;
        }
        for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
      });
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
