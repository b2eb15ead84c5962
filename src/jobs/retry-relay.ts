import { BackPressureError, createConsumerRunner, type ConsumerRunner } from '../kafka/index.js';
import { headerText, JobHeaders } from './job-headers.js';
import type { QueueBase } from './queue-base.js';

/** RETRY_RELAY_MAX_WAIT_MS bounds how late a paused retry partition is fetched again once due (kafkajs sleeps its maxWaitTime while all partitions are paused). */
export const RETRY_RELAY_MAX_WAIT_MS = 100;

/**
 * createRetryRelay returns a consumer runner (the shared one from src/kafka)
 * over the queue's retry topics. A record not yet due throws
 * BackPressureError, so the runner pauses just that partition until the due
 * time and then delivers the same record again; a due record is re-published
 * to the main topic unchanged but for its due-time header. The runner commits
 * only after the re-publish was acknowledged, so a crash re-publishes at
 * most, and the worker's job-id dedupe absorbs a double.
 */
export function createRetryRelay(base: QueueBase, queue: string, groupId: string, membership: { sessionTimeout?: number; heartbeatInterval?: number } = {}): ConsumerRunner {
  const topics = base.topics(queue);
  return createConsumerRunner(base.kafka, {
    groupId,
    topics: topics.retries.map(({ topic }) => topic),
    fromBeginning: true,
    ...membership,
    // Every retry partition can wait for its own due time at once.
    concurrency: topics.retries.length * base.partitions,
    consumerConfig: { maxWaitTimeInMs: RETRY_RELAY_MAX_WAIT_MS },
    handler: async (record) => {
      const dueAt = Number(headerText(record.headers, JobHeaders.DUE_AT) ?? '0');
      const wait = dueAt - Date.now();
      if (wait > 0) throw new BackPressureError(wait);
      const headers = { ...record.headers };
      delete headers[JobHeaders.DUE_AT];
      await base.producer().send([{ topic: topics.main, key: record.key, value: record.value, headers }]);
    },
  });
}
