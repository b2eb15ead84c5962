// Public API of the event bus: typed domain events on Kafka in the CloudEvents
// binding, with dead letters and idempotent consumption. Transport plumbing
// (topics, producer, consumer runner) is in src/kafka.
export { ALL_EVENTS_PATTERN, EventChannels, type ChannelName, type EventChannel } from './event-channels.js';
export type { EventPublisher, PublishedEvent, PublishOptions } from './event-publisher.js';
export { DEAD_LETTER_SUFFIX, DeadLetterHeaders, deadLetterTopic } from './dead-letter-headers.js';
export {
  AUDIT_RETENTION_MS,
  channelTopicSpecs,
  DEAD_LETTER_RETENTION_MS,
  deadLetterSpec,
  DEFAULT_CHANNEL_PARTITIONS,
  DEFAULT_DEAD_LETTER_PARTITIONS,
  DEFAULT_EVENT_RETENTION_MS,
  EventChannelCatalogue,
  type ChannelSpec,
} from './channel-catalogue.js';
export {
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventHeaders,
  DEFAULT_EVENT_CONTENT_TYPE,
  DEFAULT_SOURCE_PREFIX,
  EventContentTypes,
  eventSource,
  type EventContentType,
} from './cloud-event-headers.js';
export { EventBusError, type EventErrorCode } from './event-bus-error.js';
export { createEventRegistry, defaultEventRegistry, EVENT_FILES } from './event-registry.js';
export { cloudEventAttribute, readHeaders } from './event-headers.js';
export { decodeEvent, encodeEvent, eventType, parseContentType, type DecodedEnvelope, type EncodedEvent, type EventAttributes } from './event-envelope.js';
export { currentCausationId, runWithCausation } from './event-causation.js';
export { isEventOf, type ConsumedEvent, type EventHandler } from './consumed-event.js';
export { DEAD_LETTER_RECORD_OVERHEAD_BYTES, deadLetterRecord, type DeadLetterReason } from './dead-letter-record.js';
export { channelPattern } from './channel-pattern.js';
export { createMemoryDedupeStore, DEFAULT_DEDUPE_CAPACITY, type DedupeStore, type MemoryDedupeStoreOptions } from './dedupe-store.js';
export { createIdempotentHandler, type IdempotentHandlerOptions } from './idempotent-handler.js';
export {
  DEFAULT_EVENT_RETRY_ATTEMPTS,
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_EVENT_RETRY_BACKOFF,
  type EventBusOptions,
  type EventRetryOptions,
  type EventTypeSelector,
  type SubscribeOptions,
} from './event-bus-options.js';
export { createEventBus, type EventBus, type PublishBatchEntry, type Subscription } from './event-bus.js';
