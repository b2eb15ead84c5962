import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { acquireSharedProducer, createKafka, DEFAULT_TOPIC_PARTITIONS, ensureTopics, type MeshProducer } from '../kafka/index.js';
import { JobError } from './job-error.js';
import { createLifecyclePublisher, type LifecyclePublisher } from './lifecycle-publisher.js';
import { jobTopics, jobTopicSpecs, lifecycleTopic, scheduleTopic, sharedJobTopicSpecs, type JobTopics } from './job-topics.js';
import { DEFAULT_RETRY_TIERS, type RetryTier } from './retry-tiers.js';

/** QueueBaseOptions configures what every role (queue manager, worker, scheduler, queue events) shares. */
export interface QueueBaseOptions {
  /** @defaultValue createKafka({ clientId: DEFAULT_JOBS_CLIENT_ID }) */
  kafka?: Kafka;
  /**
   * Put before every topic name, so tests or tenants do not share topics.
   * @defaultValue ''
   */
  topicPrefix?: string;
  /**
   * The retry topics of every queue.
   * @defaultValue DEFAULT_RETRY_TIERS (5 s, 30 s, 5 min)
   */
  retryTiers?: readonly RetryTier[];
  /**
   * Partitions of the topics this base creates (existing topics are left alone).
   * @defaultValue DEFAULT_TOPIC_PARTITIONS (3)
   */
  partitions?: number;
}

const TOPIC_OFFSETS_ATTEMPTS = 5;
const TOPIC_OFFSETS_RETRY_DELAY_MS = 50;

/** DEFAULT_JOBS_CLIENT_ID names the job queues' connections in broker logs. */
export const DEFAULT_JOBS_CLIENT_ID = 'mesh-jobs';

/** QueueBase is the shared base of the job roles: one Kafka client, one producer lease, one admin, topics created once. */
export interface QueueBase {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly tiers: readonly RetryTier[];
  /** Partitions of the topics this base creates. */
  readonly partitions: number;
  readonly scheduleTopic: string;
  readonly lifecycleTopic: string;
  topics(queue: string): JobTopics;
  producer(): MeshProducer;
  admin(): Promise<Admin>;
  /** topicOffsets is admin.fetchTopicOffsets, retried: kafkajs's fails now and then with a TypeError when one admin serves several topics at once. */
  topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  /** ensureQueue creates the queue's topics and the shared ones (once per base). */
  ensureQueue(queue: string): Promise<void>;
  ensureShared(): Promise<void>;
  /** lifecycle publishes mesh.v1.JobLifecycleEvents to the lifecycle topic, packed, through this base's producer. */
  readonly lifecycle: LifecyclePublisher;
  assertOpen(): void;
  close(): Promise<void>;
}

/** createQueueBase returns a QueueBase; nothing connects before the first use. */
export function createQueueBase(options: QueueBaseOptions = {}): QueueBase {
  const kafka = options.kafka ?? createKafka({ clientId: DEFAULT_JOBS_CLIENT_ID });
  const prefix = options.topicPrefix ?? '';
  const tiers = options.retryTiers ?? DEFAULT_RETRY_TIERS;
  const partitions = options.partitions ?? DEFAULT_TOPIC_PARTITIONS;
  const ensured = new Map<string, Promise<void>>();
  let producer: MeshProducer | undefined;
  let admin: Promise<Admin> | undefined;
  let closed = false;

  const base: QueueBase = {
    kafka,
    prefix,
    tiers,
    partitions,
    scheduleTopic: scheduleTopic(prefix),
    lifecycleTopic: lifecycleTopic(prefix),
    topics: (queue) => jobTopics(queue, prefix, tiers),
    producer: () => (producer ??= acquireSharedProducer(kafka)),
    admin: () =>
      (admin ??= (async () => {
        const created = kafka.admin();
        await created.connect();
        return created;
      })()),
    topicOffsets: async (topic) => {
      const admin = await base.admin();
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await admin.fetchTopicOffsets(topic);
        } catch (error) {
          if (!(error instanceof TypeError) || attempt >= TOPIC_OFFSETS_ATTEMPTS - 1) throw error;
          await sleep(TOPIC_OFFSETS_RETRY_DELAY_MS);
        }
      }
    },
    ensureShared: () => ensureOnce('', async () => void (await ensureTopics(await base.admin(), sharedJobTopicSpecs(prefix, partitions)))),
    ensureQueue: async (queue) => {
      await base.ensureShared();
      await ensureOnce(queue, async () => void (await ensureTopics(await base.admin(), jobTopicSpecs(base.topics(queue), partitions))));
    },
    lifecycle: createLifecyclePublisher(() => base.producer(), lifecycleTopic(prefix)),
    assertOpen: () => {
      if (closed) throw new JobError('CLOSED', 'the job queues were closed');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await producer?.close();
      if (admin) await (await admin.catch(() => undefined))?.disconnect();
    },
  };

  function ensureOnce(name: string, step: () => Promise<void>): Promise<void> {
    let pending = ensured.get(name);
    if (!pending) {
      pending = step().catch((error: unknown) => {
        ensured.delete(name);
        throw error;
      });
      ensured.set(name, pending);
    }
    return pending;
  }

  return base;
}
