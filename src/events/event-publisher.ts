import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { ChannelName } from './event-channels.js';

/** PublishOptions says which aggregate an event belongs to; its id is the record key, so its events stay in order. */
export interface PublishOptions {
  aggregateId: string;
  aggregateType?: string;
  /** Overrides the correlation id taken from the request context (default: the context's, else the event's own id). */
  correlationId?: string;
  /** The event or command that caused this one; inside a subscription handler, the handled event by default. */
  causationId?: string;
  /** Overrides the CloudEvents id (a random UUID); use it to make a re-publish deduplicable. */
  id?: string;
  /** When the change happened (`ce_time`); defaults to now. */
  time?: Date;
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
  publish<Desc extends DescMessage>(channel: ChannelName, schema: Desc, payload: MessageShape<Desc>, options: PublishOptions): Promise<PublishedEvent>;
}
