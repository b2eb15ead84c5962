import { setTimeout as sleep } from 'node:timers/promises';
import { openAssignedReader, type AssignedReader } from '../replay/assigned-reader.js';
import { JobError } from './job-error.js';
import type { QueueBase } from './queue-base.js';

/** JobIdView knows every job id added to one queue (its compacted `.ids` topic, read by this process). */
export interface JobIdView {
  /** has reads the ids topic up to its current end, then answers. */
  has(jobId: string): Promise<boolean>;
  /** remember records an id this process just wrote (read-your-writes before the topic catches up). */
  remember(jobId: string): void;
  close(): Promise<void>;
}

/** JOB_ID_VIEW_CATCH_UP_TIMEOUT_MS bounds how long `has` waits for the view to reach the topic's end. */
export const JOB_ID_VIEW_CATCH_UP_TIMEOUT_MS = 10_000;
const CATCH_UP_POLL_MS = 10;

/**
 * createJobIdView follows a queue's `.ids` topic from its start with the
 * assigned reader of src/replay (a throwaway group, nothing committed).
 * Before each answer it fetches the topic's end offsets and waits until the
 * reader has read that far, so an id written by any process before the call
 * is seen.
 */
export async function createJobIdView(base: QueueBase, topic: string): Promise<JobIdView> {
  const admin = await base.admin();
  const ids = new Set<string>();
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions.map((entry) => entry.partitionId) ?? [];
  const reader: AssignedReader = await openAssignedReader({
    kafka: base.kafka,
    admin,
    groupIdPrefix: `${topic}.view`,
    partitions: partitions.map((partition) => ({ topic, partition, start: 0n })),
    onBatch: async ({ messages }) => {
      for (const message of messages) {
        const id = message.key?.toString();
        if (!id) continue;
        if (message.value === null) ids.delete(id);
        else ids.add(id);
      }
    },
  });
  return {
    async has(jobId) {
      if (ids.has(jobId)) return true;
      const ends = await base.topicOffsets(topic);
      const deadline = Date.now() + JOB_ID_VIEW_CATCH_UP_TIMEOUT_MS;
      for (;;) {
        const behind = ends.some(({ partition, high, low }) => BigInt(high) > BigInt(low) && (reader.position(topic, partition) ?? -1n) < BigInt(high));
        if (!behind) return ids.has(jobId);
        if (Date.now() > deadline) throw new JobError('CATCH_UP_TIMEOUT', `the job id view of ${topic} did not catch up within ${JOB_ID_VIEW_CATCH_UP_TIMEOUT_MS} ms`);
        await sleep(CATCH_UP_POLL_MS);
      }
    },
    remember: (jobId) => void ids.add(jobId),
    close: () => reader.close(),
  };
}
