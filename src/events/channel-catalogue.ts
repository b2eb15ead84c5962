import { DAY_MS, type TopicSpec } from '../kafka/index.js';
import { deadLetterTopic } from './dead-letter-headers.js';
import { EventChannels, type ChannelName } from './event-channels.js';

/** ChannelSpec declares one channel's topic; its dead-letter topic is declared with it. */
export interface ChannelSpec extends Omit<TopicSpec, 'topic'> {
  channel: ChannelName;
}

/** DEFAULT_CHANNEL_PARTITIONS lets six instances of a service share a channel. */
export const DEFAULT_CHANNEL_PARTITIONS = 6;
/** DEFAULT_EVENT_RETENTION_MS keeps domain events a week: long enough to replay after an incident. */
export const DEFAULT_EVENT_RETENTION_MS = 7 * DAY_MS;
/** AUDIT_RETENTION_MS keeps the audit channel a year; it is a record, not a projection feed, so it is not compacted. */
export const AUDIT_RETENTION_MS = 365 * DAY_MS;
/** DEAD_LETTER_RETENTION_MS keeps dead letters 30 days, time to fix and redrive them. */
export const DEAD_LETTER_RETENTION_MS = 30 * DAY_MS;
/** DEFAULT_DEAD_LETTER_PARTITIONS is one: dead letters are rare, and one partition keeps a redrive in failure order. */
export const DEFAULT_DEAD_LETTER_PARTITIONS = 1;

const retention = (ms: number): Record<string, string> => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms) });

/**
 * EventChannelCatalogue declares the topic of every named channel. Events
 * are facts, so nothing is compacted (a compacted topic would keep only the
 * last event per aggregate); AUDIT keeps a year, the others a week.
 */
export const EventChannelCatalogue: readonly ChannelSpec[] = Object.values(EventChannels).map((channel) => ({
  channel,
  partitions: DEFAULT_CHANNEL_PARTITIONS,
  configs: retention(channel === EventChannels.AUDIT ? AUDIT_RETENTION_MS : DEFAULT_EVENT_RETENTION_MS),
}));

/** deadLetterSpec declares the dead-letter topic of `topic`. */
export function deadLetterSpec(topic: string): TopicSpec {
  return { topic: deadLetterTopic(topic), partitions: DEFAULT_DEAD_LETTER_PARTITIONS, configs: retention(DEAD_LETTER_RETENTION_MS) };
}

/** channelTopicSpecs turns channel specs into the topic specs of the channels and of their dead-letter topics, under `prefix`. */
export function channelTopicSpecs(channels: readonly ChannelSpec[], prefix = ''): TopicSpec[] {
  return channels.flatMap(({ channel, ...spec }) => {
    const topic = `${prefix}${channel}`;
    return [{ ...spec, topic }, deadLetterSpec(topic)];
  });
}
