import { DAY_MS, DEFAULT_TOPIC_PARTITIONS, type TopicSpec } from '../kafka/index.js';
import { deadLetterTopic } from '../events/dead-letter-headers.js';
import type { QueueName } from './queue-names.js';
import type { RetryTier } from './retry-tiers.js';

/** JOBS_TOPIC_PREFIX starts every job topic name: `jobs.<queue>`. */
export const JOBS_TOPIC_PREFIX = 'jobs.';
/** JOB_DEAD_LETTER_RETENTION_MS keeps dead-lettered jobs 30 days, time to fix and retry them. */
export const JOB_DEAD_LETTER_RETENTION_MS = 30 * DAY_MS;
/** JOB_LIFECYCLE_RETENTION_MS keeps lifecycle events a day: they are for followers, not a record. */
export const JOB_LIFECYCLE_RETENTION_MS = DAY_MS;

/** JobTopics are the topics of one queue. */
export interface JobTopics {
  /** `jobs.<queue>`: jobs ready to run. */
  main: string;
  /** `jobs.<queue>.retry.<tier>`: failed jobs waiting for their next attempt. */
  retries: { tier: RetryTier; topic: string }[];
  /** `jobs.<queue>.dlq`: dead-lettered jobs, keyed by job id and compacted, so a removal is a tombstone. */
  deadLetter: string;
  /** `jobs.<queue>.ids`: every job id added, compacted; addJob reads it to drop a job id seen before. */
  ids: string;
}

/** jobTopics names the topics of `queue` under `prefix`. */
export function jobTopics(queue: QueueName | string, prefix: string, tiers: readonly RetryTier[]): JobTopics {
  const main = `${prefix}${JOBS_TOPIC_PREFIX}${queue}`;
  return {
    main,
    retries: tiers.map((tier) => ({ tier, topic: `${main}.retry.${tier.name}` })),
    deadLetter: deadLetterTopic(main),
    ids: `${main}.ids`,
  };
}

/** scheduleTopic names the compacted topic of pending schedules (delayed and recurring jobs of every queue). */
export function scheduleTopic(prefix: string): string {
  return `${prefix}${JOBS_TOPIC_PREFIX}schedules`;
}

/** lifecycleTopic names the topic of mesh.v1.JobLifecycleEvent records of every queue (workers pack many events per record: see lifecycle-record.ts). */
export function lifecycleTopic(prefix: string): string {
  return `${prefix}${JOBS_TOPIC_PREFIX}lifecycle`;
}

const compacted = { 'cleanup.policy': 'compact' };

/** jobTopicSpecs declares the topics of one queue. */
export function jobTopicSpecs(topics: JobTopics, partitions = DEFAULT_TOPIC_PARTITIONS): TopicSpec[] {
  return [
    { topic: topics.main, partitions },
    ...topics.retries.map(({ topic }) => ({ topic, partitions })),
    { topic: topics.deadLetter, partitions: 1, configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(JOB_DEAD_LETTER_RETENTION_MS) } },
    { topic: topics.ids, partitions, configs: compacted },
  ];
}

/** sharedJobTopicSpecs declares the topics all queues share: schedules and lifecycle events. */
export function sharedJobTopicSpecs(prefix: string, partitions = DEFAULT_TOPIC_PARTITIONS): TopicSpec[] {
  return [
    { topic: scheduleTopic(prefix), partitions, configs: compacted },
    { topic: lifecycleTopic(prefix), partitions, configs: { 'cleanup.policy': 'delete', 'retention.ms': String(JOB_LIFECYCLE_RETENTION_MS) } },
  ];
}
