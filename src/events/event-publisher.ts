import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { EventChannel } from './event-channels.js';

/** PublishOptions says which aggregate an event belongs to; its id is the record key, so its events stay in order. */
export interface PublishOptions {
  aggregateId: string;
  aggregateType?: string;
  /** Overrides the correlation id taken from the request context. */
  correlationId?: string;
  /** The event or command that caused this one. */
  causationId?: string;
  /** Overrides the CloudEvents id (a random UUID); use it to make a re-publish deduplicable. */
  id?: string;
}

/** PublishedEvent identifies the record the broker stored. */
export interface PublishedEvent {
  id: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * EventPublisher is all the reference services need of the event bus: publish
 * one typed event; the event's type name comes from its protobuf schema.
 */
export interface EventPublisher {
  publish<Desc extends DescMessage>(channel: EventChannel, schema: Desc, payload: MessageShape<Desc>, options: PublishOptions): Promise<PublishedEvent>;
}
