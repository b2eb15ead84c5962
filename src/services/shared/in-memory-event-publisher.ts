import { randomUUID } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { getContext } from '../../context/index.js';
import type { ChannelName } from '../../events/event-channels.js';
import type { EventPublisher, PublishedEvent, PublishOptions } from '../../events/event-publisher.js';

/** RecordedEvent is one event an in-memory publisher accepted, with what a Kafka record would have carried. */
export interface RecordedEvent {
  id: string;
  channel: ChannelName;
  /** type is the fully-qualified protobuf name, e.g. "billing.v1.EscrowFunded". */
  type: string;
  schema: DescMessage;
  payload: unknown;
  aggregateId: string;
  aggregateType?: string;
  correlationId?: string;
  causationId?: string;
  /** time is when the change happened, as the publisher was told or at publish. */
  time: Date;
  offset: number;
}

/** InMemoryEventPublisher is an EventPublisher that keeps what it was given, in order. */
export interface InMemoryEventPublisher extends EventPublisher {
  /** events are the published events (the latest maxEvents), oldest first. */
  readonly events: readonly RecordedEvent[];
  /** ofType returns the payloads of one event type, oldest first. */
  ofType<Desc extends DescMessage>(schema: Desc): MessageShape<Desc>[];
  /** onPublish registers a listener called after each publish, e.g. an in-process projection; it returns an unsubscribe function. */
  onPublish(listener: (event: RecordedEvent) => void): () => void;
  /** clear forgets every recorded event. */
  clear(): void;
}

/** InMemoryEventPublisherOptions tune createInMemoryEventPublisher. */
export interface InMemoryEventPublisherOptions {
  /**
   * failWith, when set, makes the next publish calls throw what it returns
   * (undefined lets the call through): tests use it to show that a failed
   * publish leaves state unchanged.
   * @defaultValue undefined
   */
  failWith?: (channel: ChannelName, type: string) => Error | undefined;
  /**
   * maxEvents bounds what is kept: beyond it the oldest events are dropped,
   * so a long-running process in no-Kafka mode does not grow without end.
   * @defaultValue Infinity (tests see everything)
   */
  maxEvents?: number;
}

/**
 * createInMemoryEventPublisher returns an in-process EventPublisher: the
 * no-Kafka mode of the services, and the tests' view of what they published.
 */
export function createInMemoryEventPublisher(options: InMemoryEventPublisherOptions = {}): InMemoryEventPublisher {
  const events: RecordedEvent[] = [];
  const listeners = new Set<(event: RecordedEvent) => void>();
  const offsets = new Map<ChannelName, number>();
  return {
    events,
    async publish<Desc extends DescMessage>(channel: ChannelName, schema: Desc, payload: MessageShape<Desc>, publishOptions: PublishOptions): Promise<PublishedEvent> {
      const failure = options.failWith?.(channel, schema.typeName);
      if (failure) throw failure;
      const offset = offsets.get(channel) ?? 0;
      offsets.set(channel, offset + 1);
      const event: RecordedEvent = {
        id: publishOptions.id ?? randomUUID(),
        channel,
        type: schema.typeName,
        schema,
        payload,
        aggregateId: publishOptions.aggregateId,
        aggregateType: publishOptions.aggregateType,
        correlationId: publishOptions.correlationId ?? getContext()?.correlationId,
        causationId: publishOptions.causationId,
        time: publishOptions.time ?? new Date(),
        offset,
      };
      events.push(event);
      if (events.length > (options.maxEvents ?? Infinity)) events.shift();
      for (const listener of listeners) listener(event);
      return { id: event.id, topic: channel, partition: 0, offset: String(offset) };
    },
    ofType<Desc extends DescMessage>(schema: Desc): MessageShape<Desc>[] {
      return events.filter((event) => event.type === schema.typeName).map((event) => event.payload as MessageShape<Desc>);
    },
    onPublish(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear() {
      events.length = 0;
    },
  };
}
