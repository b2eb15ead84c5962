import { fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { DeadLetterHeaders } from '../events/index.js';
import type { DeadLetteredJob, JobCounts } from './dead-lettered-job.js';
import { JobError } from './job-error.js';
import { encodeJobHeaders, headerText, readJobHeaders } from './job-headers.js';
import type { QueueBase } from './queue-base.js';
import type { QueueName } from './queue-names.js';
import { QueueSchemas } from './queue-schemas.js';
import { readTopic } from './read-topic.js';
import { parseScheduleRecord } from './schedule-record.js';

/** consumerLag sums, over `topics`, the records `groupId` has not committed. */
export async function consumerLag(base: QueueBase, groupId: string, topics: string[]): Promise<number> {
  const admin = await base.admin();
  const committed = await admin.fetchOffsets({ groupId, topics });
  let lag = 0n;
  for (const topic of topics) {
    const ends = await base.topicOffsets(topic);
    const mine = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    for (const { partition, low, high } of ends) {
      const offset = mine.find((entry) => entry.partition === partition)?.offset ?? '-1';
      const from = offset === '-1' ? BigInt(low) : BigInt(offset);
      if (BigInt(high) > from) lag += BigInt(high) - from;
    }
  }
  return Number(lag);
}

/** listDeadLetters reads a queue's dead-letter topic to its end; the latest record per job id counts, a tombstone removes it. */
export async function listDeadLetters<Q extends QueueName>(base: QueueBase, queue: Q): Promise<DeadLetteredJob<Q>[]> {
  await base.ensureQueue(queue);
  const live = new Map<string, DeadLetteredJob<Q>>();
  for (const message of await readTopic(base, base.topics(queue).deadLetter)) {
    const jobId = message.key?.toString();
    if (!jobId) continue;
    if (message.value === null) {
      live.delete(jobId);
      continue;
    }
    const headers = message.headers ?? {};
    // Listed even when unreadable: a corrupt job must stay visible so it can be removed.
    let data: DeadLetteredJob<Q>['data'];
    let unreadable: string | undefined;
    let name = '';
    let key: string | undefined;
    try {
      const info = readJobHeaders(headers);
      name = info.metadata.name;
      key = info.metadata.key || undefined;
    } catch (error) {
      unreadable = `job headers do not decode: ${(error as Error).message}`;
    }
    const originalBytes = headerText(headers, DeadLetterHeaders.ORIGINAL_VALUE_BYTES);
    if (originalBytes !== undefined) {
      unreadable ??= `payload cut to fit the dead-letter topic (${originalBytes} bytes originally)`;
    } else {
      try {
        data = fromBinary(QueueSchemas[queue], message.value) as DeadLetteredJob<Q>['data'];
      } catch (error) {
        unreadable ??= `payload does not decode: ${(error as Error).message}`;
      }
    }
    live.set(jobId, {
      jobId,
      queue,
      name,
      data,
      unreadable,
      key,
      attempts: Number(headerText(headers, DeadLetterHeaders.ATTEMPTS) ?? '0'),
      errorCode: headerText(headers, DeadLetterHeaders.ERROR_CODE) ?? '',
      errorMessage: headerText(headers, DeadLetterHeaders.ERROR_MESSAGE) ?? '',
      failedAt: new Date(headerText(headers, DeadLetterHeaders.FAILED_AT) ?? 0),
      redriveCount: Number(headerText(headers, DeadLetterHeaders.REDRIVE_COUNT) ?? '0'),
      headers,
    });
  }
  return [...live.values()];
}

async function findDeadLetter<Q extends QueueName>(base: QueueBase, queue: Q, jobId: string): Promise<DeadLetteredJob<Q>> {
  const found = (await listDeadLetters(base, queue)).find((job) => job.jobId === jobId);
  if (!found) throw new JobError('NOT_FOUND', `no dead-lettered job ${jobId} in queue ${queue}`);
  return found;
}

/**
 * retryDeadLetter puts a dead-lettered job back on its main topic with its
 * attempts reset (and the redrive count raised), and removes it from the
 * dead-letter topic, both in one produce request.
 */
export async function retryDeadLetter(base: QueueBase, queue: QueueName, jobId: string): Promise<void> {
  const job = await findDeadLetter(base, queue, jobId);
  if (job.data === undefined || job.unreadable !== undefined) {
    throw new JobError('DEAD_LETTER_UNREADABLE', `dead-lettered job ${jobId} of queue ${queue} cannot be retried: ${job.unreadable ?? 'no payload'}; remove it instead`);
  }
  const info = readJobHeaders(job.headers);
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(job.headers)) {
    if (value === undefined || Array.isArray(value) || Object.values<string>(DeadLetterHeaders).includes(name)) continue;
    headers[name] = value;
  }
  Object.assign(headers, encodeJobHeaders({ ...info.metadata, attempt: 1 }, info.type, info.backoff), { [DeadLetterHeaders.REDRIVE_COUNT]: String(job.redriveCount + 1) });
  const topics = base.topics(queue);
  // The original bytes are not kept on DeadLetteredJob; the decoded payload re-encodes to an equal message.
  const value = Buffer.from(toBinary(QueueSchemas[queue] as DescMessage, job.data as never));
  await base.producer().send([
    { topic: topics.main, key: job.key ?? jobId, value, headers },
    { topic: topics.deadLetter, key: jobId, value: null },
  ]);
}

/** removeDeadLetter deletes a dead-lettered job (a tombstone in the compacted dead-letter topic). */
export async function removeDeadLetter(base: QueueBase, queue: QueueName, jobId: string): Promise<void> {
  await findDeadLetter(base, queue, jobId);
  await base.producer().send([{ topic: base.topics(queue).deadLetter, key: jobId, value: null }]);
}

/** pendingSchedules counts the live schedules of `queue` in the schedule topic. */
export async function pendingSchedules(base: QueueBase, queue: string): Promise<number> {
  await base.ensureShared();
  const live = new Map<string, string>();
  for (const message of await readTopic(base, base.scheduleTopic)) {
    const id = message.key?.toString();
    if (!id) continue;
    if (message.value === null) {
      live.delete(id);
      continue;
    }
    try {
      live.set(id, parseScheduleRecord(message).queue);
    } catch {
      // Not a schedule record: not counted.
    }
  }
  return [...live.values()].filter((name) => name === queue).length;
}

/** jobCounts computes a queue's JobCounts; `active` comes from the caller (its workers). */
export async function jobCounts(base: QueueBase, queue: QueueName, workerGroup: string, relayGroup: string, active: number): Promise<JobCounts> {
  await base.ensureQueue(queue);
  const topics = base.topics(queue);
  const [waiting, retrying, scheduled, failed] = await Promise.all([
    consumerLag(base, workerGroup, [topics.main]),
    consumerLag(base, relayGroup, topics.retries.map(({ topic }) => topic)),
    pendingSchedules(base, queue),
    listDeadLetters(base, queue).then((jobs) => jobs.length),
  ]);
  return { waiting, active, delayed: scheduled + retrying, failed };
}
