import type { DescMessage, Registry } from '@bufbuild/protobuf';
import type { Kafka } from 'kafkajs';
import type { MeshProducerOptions } from '../kafka/index.js';
import type { BackoffOptions } from '../resilience/index.js';
import type { ChannelSpec } from './channel-catalogue.js';
import type { EventContentType } from './cloud-event-headers.js';
import type { ChannelName } from './event-channels.js';

/** EventRetryOptions says how often a failing handler runs before its event is dead-lettered. */
export interface EventRetryOptions {
  /**
   * Runs of the handler in all, the first included; 1 dead-letters at the first failure.
   * @defaultValue DEFAULT_EVENT_RETRY_ATTEMPTS (3)
   */
  attempts?: number;
  /** @defaultValue DEFAULT_EVENT_RETRY_BACKOFF ({ initialDelay: 200, maxDelay: 5000 }) */
  backoff?: BackoffOptions;
}

/** DEFAULT_EVENT_RETRY_ATTEMPTS runs a handler three times before dead-lettering. */
export const DEFAULT_EVENT_RETRY_ATTEMPTS = 3;
/** DEFAULT_EVENT_RETRY_BACKOFF keeps a partition's stall short: retries happen in place, ahead of later records. */
export const DEFAULT_EVENT_RETRY_BACKOFF: BackoffOptions = { initialDelay: 200, maxDelay: 5000 };

/**
 * DEFAULT_MAX_EVENT_BYTES is the broker's default `message.max.bytes` (1 MiB):
 * no event the bus publishes to a default topic is larger, so a larger value
 * is someone else's mistake or an attack, and is not worth decoding.
 */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** EventBusOptions configures createEventBus. */
export interface EventBusOptions {
  /** The service that publishes: a bare name becomes `ce_source` `/mesh/<name>`; a URI-reference is kept. */
  source: string;
  /** @defaultValue createKafka({ clientId: <source name> }) */
  kafka?: Kafka;
  /**
   * Prepended to every channel to make its topic, e.g. `test-1a2b.` (tests, or several environments on one cluster).
   * @defaultValue ''
   */
  topicPrefix?: string;
  /** @defaultValue defaultEventRegistry (every message of the generated `*_events_pb` files) */
  registry?: Registry;
  /** @defaultValue DEFAULT_EVENT_CONTENT_TYPE ('application/protobuf') */
  contentType?: EventContentType;
  /** The channel catalogue provisionChannels creates. @defaultValue EventChannelCatalogue */
  channels?: readonly ChannelSpec[];
  /** Default retry of subscriptions. */
  retry?: EventRetryOptions;
  /**
   * The largest record value a subscription decodes, in bytes; a larger one
   * is dead-lettered at once with EVENT_TOO_LARGE, undecoded.
   * @defaultValue DEFAULT_MAX_EVENT_BYTES (1 MiB)
   */
  maxEventBytes?: number;
  /** Options of the shared producer, used when this bus is the first to acquire it. */
  producer?: MeshProducerOptions;
}

/** SubscribeOptions configures one subscription; each is its own kafkajs consumer. */
export interface SubscribeOptions {
  /** The consumer group: one per service and purpose; instances of a service share it. */
  group: string;
  /** @defaultValue false (a new group starts at the end) */
  fromBeginning?: boolean;
  /** Partitions handled at once; events of one partition (one aggregate) are always handled in order. @defaultValue 1 */
  concurrency?: number;
  /** Overrides the bus's retry. */
  retry?: EventRetryOptions;
  /** kafkajs session timeout in ms. @defaultValue DEFAULT_SESSION_TIMEOUT (30 000) */
  sessionTimeout?: number;
  /** @defaultValue DEFAULT_HEARTBEAT_INTERVAL (3000) */
  heartbeatInterval?: number;
  /** How often handled offsets are committed during a batch, in ms (also at the end of each batch and on stop). @defaultValue DEFAULT_COMMIT_INTERVAL (1000) */
  commitInterval?: number;
  /** How often a pattern subscription looks for new topics, in ms. @defaultValue DEFAULT_TOPIC_REFRESH_INTERVAL (10 000) */
  topicRefreshInterval?: number;
}

/** EventTypeSelector subscribes to event types wherever they are published (every channel, unless `channels` narrows it). */
export interface EventTypeSelector<Desc extends DescMessage = DescMessage> {
  types: readonly Desc[];
  channels?: readonly ChannelName[];
}
