import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, ITopicConfig } from 'kafkajs';
import { KafkaTransportError } from './kafka-transport-error.js';
import { DEFAULT_REPLICATION_FACTOR, DEFAULT_TOPIC_PARTITIONS, type TopicSpec } from './topic-spec.js';

/** EnsureTopicsResult says which topics ensureTopics created and which were already there. */
export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/** ENSURE_TOPICS_TIMEOUT_MS bounds how long the broker may take to create a topic and elect its leaders. */
export const ENSURE_TOPICS_TIMEOUT_MS = 30_000;

function toTopicConfig(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions ?? DEFAULT_TOPIC_PARTITIONS,
    replicationFactor: spec.replicationFactor ?? DEFAULT_REPLICATION_FACTOR,
    configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
  };
}

/**
 * ensureTopics creates the topics of `specs` that do not exist yet, with their
 * partitions and configs, and waits for their leaders. It is idempotent and
 * safe to race: a TOPIC_ALREADY_EXISTS from a concurrent creator counts as
 * "existing". Existing topics are left as they are (adding partitions would
 * move keys to other partitions, so that stays a deliberate operation).
 *
 * Each missing topic gets its own CreateTopics request: kafkajs answers a
 * request in which some topics already existed with a bare `false`, which
 * would hide which ones this call created.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  const present = new Set(await admin.listTopics());
  const unique = [...new Map(specs.map((spec) => [spec.topic, spec])).values()];
  const existing = unique.filter((spec) => present.has(spec.topic)).map((spec) => spec.topic);
  const outcomes = await Promise.allSettled(
    unique
      .filter((spec) => !present.has(spec.topic))
      .map(async (spec) => ({
        topic: spec.topic,
        created: await admin.createTopics({ waitForLeaders: false, timeout: ENSURE_TOPICS_TIMEOUT_MS, topics: [toTopicConfig(spec)] }),
      })),
  );
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
  if (failures.length > 0) {
    throw new KafkaTransportError('TOPIC_CREATE_FAILED', `creating topics failed: ${failures.map((error) => error.message).join('; ')}`, { cause: failures[0] });
  }
  const created: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.status !== 'fulfilled') continue;
    (outcome.value.created ? created : existing).push(outcome.value.topic);
  }
  if (created.length > 0) await waitForLeaders(admin, created);
  return { created, existing };
}

/** LEADER_POLL_INTERVAL_MS is how often ensureTopics looks for the leaders of new topics. */
const LEADER_POLL_INTERVAL_MS = 100;

// kafkajs's own waitForLeaders retries only LEADER_NOT_AVAILABLE, but right
// after a creation the broker may still answer UNKNOWN_TOPIC_OR_PARTITION
// (seen when many topics are created at once), so poll until every partition
// of every new topic has a leader.
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + ENSURE_TOPICS_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.topics.length === topics.length && metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0));
      if (ready) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(LEADER_POLL_INTERVAL_MS);
  }
  throw new KafkaTransportError('TOPIC_CREATE_FAILED', `the new topics ${topics.join(', ')} got no leaders within ${ENSURE_TOPICS_TIMEOUT_MS} ms`, { cause: lastError });
}
