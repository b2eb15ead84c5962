import { randomUUID } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Admin } from 'kafkajs';
import { contextStorage, formatTraceparent, getContext, newSpanId, parseTraceparent, resolveContext, type RequestContext } from '../context/index.js';
import {
  acquireSharedProducer,
  BackPressureError,
  createConsumerRunner,
  createKafka,
  ensureTopics,
  topicMaxMessageBytes,
  type ConsumedRecord,
  type ConsumerRunner,
  type EnsureTopicsResult,
  type RecordControl,
  type TopicPattern,
} from '../kafka/index.js';
import { abortableSleep, computeBackoff } from '../resilience/index.js';
import { channelPattern } from './channel-pattern.js';
import { channelTopicSpecs, deadLetterSpec, DEFAULT_CHANNEL_PARTITIONS, EventChannelCatalogue, type ChannelSpec } from './channel-catalogue.js';
import { DEFAULT_EVENT_CONTENT_TYPE, eventSource } from './cloud-event-headers.js';
import type { ConsumedEvent, EventHandler } from './consumed-event.js';
import { DEAD_LETTER_SUFFIX } from './dead-letter-headers.js';
import { currentCausationId, withCausation } from './event-causation.js';
import { deadLetterRecord, type DeadLetterReason } from './dead-letter-record.js';
import { EventBusError } from './event-bus-error.js';
import {
  DEFAULT_EVENT_RETRY_ATTEMPTS,
  DEFAULT_EVENT_RETRY_BACKOFF,
  DEFAULT_MAX_EVENT_BYTES,
  type EventBusOptions,
  type EventRetryOptions,
  type EventTypeSelector,
  type SubscribeOptions,
} from './event-bus-options.js';
import { ALL_EVENTS_PATTERN, type ChannelName } from './event-channels.js';
import { encodeEvent, type EncodedEvent } from './event-envelope.js';
import type { EventPublisher, PublishedEvent, PublishOptions } from './event-publisher.js';
import { defaultEventRegistry } from './event-registry.js';
import { payloadDecodeFailure, readConsumedEvent, recordEventType } from './read-consumed-event.js';
import { withConsumerSpan } from '../telemetry/consumer-span.js';
import { isTracingActive } from '../telemetry/tracing-active.js';
import { sendTraced } from '../telemetry/producer-span.js';

/** PublishBatchEntry is one event of publishBatch. */
export interface PublishBatchEntry<Desc extends DescMessage = DescMessage> {
  channel: ChannelName;
  schema: Desc;
  payload: MessageShape<Desc>;
  options: PublishOptions;
}

/** Subscription is the async unsubscribe a subscribe returns, with the runner behind it for instrumentation. */
export interface Subscription {
  (): Promise<void>;
  readonly runner: ConsumerRunner;
}

/** EventBus publishes typed domain events to channels and runs subscriptions with retries, dead letters and at-least-once delivery. */
export interface EventBus extends EventPublisher {
  readonly source: string;
  /** publishBatch publishes many events in as few requests as possible; resolves, in order, when the broker has all of them. */
  publishBatch(entries: readonly PublishBatchEntry[]): Promise<PublishedEvent[]>;
  /** subscribe runs `handler` for every event of the channels (or of the event types) in consumer group `options.group`. */
  subscribe(target: ChannelName | readonly ChannelName[], handler: EventHandler, options: SubscribeOptions): Promise<Subscription>;
  subscribe<Desc extends DescMessage>(target: EventTypeSelector<Desc>, handler: EventHandler<Desc>, options: SubscribeOptions): Promise<Subscription>;
  /** subscribePattern subscribes to every channel matching a glob (`events.jobs*`) or RegExp (ALL_EVENTS_PATTERN), including channels created later; dead-letter topics never match. */
  subscribePattern(pattern: string | RegExp, handler: EventHandler, options: SubscribeOptions): Promise<Subscription>;
  /** provisionChannels creates the catalogue's topics and their dead-letter topics that do not exist yet (all, or the named channels). */
  provisionChannels(channels?: readonly ChannelName[]): Promise<EnsureTopicsResult>;
  /** topicOf returns the Kafka topic of a channel (the channel under the bus's topic prefix). */
  topicOf(channel: ChannelName): string;
  /** close stops every subscription (committing what was handled) and releases the producer. */
  close(): Promise<void>;
}

/** SubscriptionState is what the record path of one subscription needs. */
interface SubscriptionState {
  route: Route;
  handler: EventHandler;
  group: string;
  retry: Required<EventRetryOptions>;
}

interface Route {
  topics?: string[];
  pattern?: TopicPattern;
  accepts?: (type: string) => boolean;
}

/**
 * createEventBus returns an EventBus. Events travel in the CloudEvents Kafka
 * binding, binary mode (see CloudEventHeaders); the record key is the
 * aggregate id, so one aggregate's events stay ordered on one partition.
 *
 * A handler runs in a request context rebuilt from the event (trace and
 * correlation id), so what it publishes continues the flow, with the handled
 * event as `ce_causationid`.
 *
 * A failing handler is retried in place with backoff (the partition waits,
 * so later events of the aggregate never overtake it), then its record is
 * copied to `<topic>.dlq` with the reason and committed. A record that cannot
 * be decoded is dead-lettered at once, and so is one whose value is over
 * `maxEventBytes`, without being decoded. The protobuf payload is decoded
 * when the handler first reads it (see ConsumedEvent); if that fails, the
 * record is dead-lettered with DECODE_FAILED and not retried. A dead-letter copy too large for
 * its topic keeps the headers and the value's first bytes (see
 * deadLetterRecord). Only a handler's BackPressureError pauses the partition
 * and redelivers the event instead.
 */
export function createEventBus(options: EventBusOptions): EventBus {
  const source = eventSource(options.source);
  const kafka = options.kafka ?? createKafka({ clientId: source.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+/, '') || undefined });
  const prefix = options.topicPrefix ?? '';
  const registry = options.registry ?? defaultEventRegistry;
  const contentType = options.contentType ?? DEFAULT_EVENT_CONTENT_TYPE;
  const catalogue = options.channels ?? EventChannelCatalogue;
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const producer = acquireSharedProducer(kafka, options.producer);
  const subscriptions = new Set<ConsumerRunner>();
  /** The dead-letter topics ensured so far, each with its max.message.bytes. */
  const deadLetterTopics = new Map<string, Promise<number>>();
  let admin: Promise<Admin> | undefined;
  let closed = false;

  const topicOf = (channel: ChannelName): string => `${prefix}${channel}`;
  const channelOf = (topic: string): string => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic);

  function connectedAdmin(): Promise<Admin> {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
    return admin;
  }

  /** Ambient is what every event of one publish call shares: read once per call, not once per event. */
  interface Ambient {
    context: RequestContext | undefined;
    causationId: string | undefined;
    now: Date;
    /** The traceparent of the context when it has a span id; else each event gets a span id of its own. */
    traceparent: string | undefined;
  }

  function ambient(): Ambient {
    const context = getContext();
    return {
      context,
      causationId: currentCausationId(),
      now: new Date(),
      traceparent: context?.spanId === undefined ? undefined : formatTraceparent(context.traceId, context.spanId),
    };
  }

  function encode(entry: PublishBatchEntry, shared: Ambient): EncodedEvent & { topic: string; id: string } {
    const { context } = shared;
    const id = entry.options.id ?? randomUUID();
    const encoded = encodeEvent(
      entry.schema,
      entry.payload,
      {
        id,
        source,
        time: entry.options.time ?? shared.now,
        subject: entry.options.aggregateId,
        contentType,
        correlationId: entry.options.correlationId ?? context?.correlationId ?? id,
        causationId: entry.options.causationId ?? shared.causationId,
        aggregateType: entry.options.aggregateType,
        traceparent: context ? (shared.traceparent ?? formatTraceparent(context.traceId, newSpanId())) : undefined,
      },
      registry,
    );
    // Not a spread: V8 copies a spread object fast but then adds each further property on a slow path.
    return { key: encoded.key, value: encoded.value, headers: encoded.headers, topic: topicOf(entry.channel), id };
  }

  async function publishBatch(entries: readonly PublishBatchEntry[]): Promise<PublishedEvent[]> {
    if (closed) throw new EventBusError('BUS_CLOSED', 'the event bus is closed');
    const shared = ambient();
    const records = entries.map((entry) => encode(entry, shared));
    // A PRODUCER span per event; its traceparent replaces the one encode wrote from the request context.
    const acks = await sendTraced(records, (traced) => producer.send(traced));
    return acks.map((ack, index) => ({ id: records[index]!.id, topic: ack.topic, partition: ack.partition, offset: ack.offset }));
  }

  async function deadLetter(record: ConsumedRecord, reason: DeadLetterReason): Promise<void> {
    let ensured = deadLetterTopics.get(record.topic);
    if (!ensured) {
      ensured = connectedAdmin().then(async (client) => {
        const spec = deadLetterSpec(record.topic);
        await ensureTopics(client, [spec]);
        return topicMaxMessageBytes(client, spec.topic);
      });
      deadLetterTopics.set(record.topic, ensured);
      ensured.catch(() => deadLetterTopics.delete(record.topic));
    }
    const maxRecordBytes = await ensured;
    await producer.send([deadLetterRecord(record, reason, new Date(), maxRecordBytes)]);
  }

  /**
   * handleRecord reads a record and runs its handler. It is not async: a
   * record that is skipped costs no promise, and a handled one only the
   * handler's and one `then`; with Node 20's AsyncLocalStorage every promise
   * of the process pays for the async hooks.
   */
  function handleRecord(record: ConsumedRecord, control: RecordControl, subscription: SubscriptionState): Promise<void> | undefined {
    let event: ConsumedEvent;
    try {
      if (subscription.route.accepts && !subscription.route.accepts(recordEventType(record.headers))) return undefined;
      if (record.value && record.value.length > maxEventBytes) {
        throw new EventBusError('EVENT_TOO_LARGE', `the value is ${record.value.length} bytes, over maxEventBytes ${maxEventBytes}`);
      }
      event = readConsumedEvent(record, channelOf(record.topic), registry);
    } catch (error) {
      if (!(error instanceof EventBusError)) throw error;
      return deadLetter(record, { code: error.code, message: error.message, attempts: 0, group: subscription.group });
    }
    const parent = event.traceparent === undefined ? undefined : parseTraceparent(event.traceparent);
    // Without a parent (and outside any context) the handler's context starts a trace.
    const context = { traceId: parent?.traceId, spanId: parent?.spanId, correlationId: event.correlationId };
    let pending: Promise<void>;
    try {
      pending = runHandler(subscription.handler, event, context);
    } catch (error) {
      return retryHandler(record, control, subscription, event, context, error);
    }
    return pending.then(
      // A handler may catch the payload's decode error and return: the record is still undecodable.
      () => {
        const failure = payloadDecodeFailure(event);
        return failure && deadLetterUndecodable(record, subscription, failure, 1);
      },
      (error: unknown) => retryHandler(record, control, subscription, event, context, error),
    );
  }

  // The handler runs in the event's request context, with the event as the cause of what it
  // publishes: one context built and one storage run, not one per concern.
  function runHandler(handler: EventHandler, event: ConsumedEvent, context: Partial<RequestContext>): Promise<void> {
    return contextStorage.run(withCausation(resolveContext(context), event.id), handler, event);
  }

  /** deadLetterUndecodable dead-letters a record whose payload failed to decode when the handler read it: no retry can fix it. */
  function deadLetterUndecodable(record: ConsumedRecord, subscription: SubscriptionState, failure: EventBusError, attempts: number): Promise<void> {
    return deadLetter(record, { code: failure.code, message: failure.message, attempts, group: subscription.group });
  }

  /** retryHandler takes over after the first attempt failed: retries with backoff, then the dead-letter topic. */
  async function retryHandler(
    record: ConsumedRecord,
    control: RecordControl,
    subscription: SubscriptionState,
    event: ConsumedEvent,
    context: Partial<RequestContext>,
    firstError: unknown,
  ): Promise<void> {
    const { retry, handler, group } = subscription;
    let lastError = firstError;
    for (let attempt = 1; ; attempt++) {
      const failure = payloadDecodeFailure(event);
      if (failure) return deadLetterUndecodable(record, subscription, failure, attempt);
      if (lastError instanceof BackPressureError || control.signal.aborted) throw lastError;
      if (attempt >= retry.attempts) break;
      await abortableSleep(computeBackoff(attempt - 1, retry.backoff), control.signal);
      try {
        await runHandler(handler, event, context);
        const late = payloadDecodeFailure(event);
        if (late) return deadLetterUndecodable(record, subscription, late, attempt + 1);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const message = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
    await deadLetter(record, { code: 'HANDLER_FAILED', message, attempts: retry.attempts, group });
  }

  async function subscribeRoute(route: Route, handler: EventHandler, subscribeOptions: SubscribeOptions): Promise<Subscription> {
    if (closed) throw new EventBusError('BUS_CLOSED', 'the event bus is closed');
    const retryOptions = { ...options.retry, ...subscribeOptions.retry };
    const retry = { attempts: retryOptions.attempts ?? DEFAULT_EVENT_RETRY_ATTEMPTS, backoff: retryOptions.backoff ?? DEFAULT_EVENT_RETRY_BACKOFF };
    const subscription: SubscriptionState = { route, handler, group: subscribeOptions.group, retry };
    const runner = createConsumerRunner(kafka, {
      groupId: subscribeOptions.group,
      topics: route.topics,
      pattern: route.pattern,
      fromBeginning: subscribeOptions.fromBeginning,
      concurrency: subscribeOptions.concurrency,
      sessionTimeout: subscribeOptions.sessionTimeout,
      heartbeatInterval: subscribeOptions.heartbeatInterval,
      topicRefreshInterval: subscribeOptions.topicRefreshInterval,
      commitInterval: subscribeOptions.commitInterval,
      // The CONSUMER span, a child of the producer's, covers every in-place retry of
      // the record; with tracing off nobody could see it, and it is not made.
      handler: (record, control) =>
        isTracingActive()
          ? withConsumerSpan(
              { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, value: record.value, headers: record.headers, groupId: subscription.group },
              () => handleRecord(record, control, subscription),
            )
          : handleRecord(record, control, subscription),
    });
    subscriptions.add(runner);
    try {
      await runner.start();
    } catch (error) {
      subscriptions.delete(runner);
      await runner.stop();
      throw error;
    }
    const unsubscribe = async (): Promise<void> => {
      subscriptions.delete(runner);
      await runner.stop();
    };
    return Object.assign(unsubscribe, { runner });
  }

  function patternRoute(pattern: string | RegExp): TopicPattern {
    const regex = channelPattern(pattern);
    return (topic) => topic.startsWith(prefix) && !topic.endsWith(DEAD_LETTER_SUFFIX) && regex.test(topic.slice(prefix.length));
  }

  function subscribe(target: ChannelName | readonly ChannelName[] | EventTypeSelector, handler: EventHandler, subscribeOptions: SubscribeOptions): Promise<Subscription> {
    if (typeof target === 'string' || Array.isArray(target)) {
      const channels: readonly ChannelName[] = typeof target === 'string' ? [target] : target;
      return subscribeRoute({ topics: channels.map(topicOf) }, handler, subscribeOptions);
    }
    const selector = target as EventTypeSelector;
    const types = new Set(selector.types.map((schema) => schema.typeName));
    const accepts = (type: string): boolean => types.has(type);
    const route: Route = selector.channels ? { topics: selector.channels.map(topicOf), accepts } : { pattern: patternRoute(ALL_EVENTS_PATTERN), accepts };
    return subscribeRoute(route, handler, subscribeOptions);
  }

  return {
    source,
    publish: async (channel, schema, payload, publishOptions) => (await publishBatch([{ channel, schema, payload, options: publishOptions }]))[0]!,
    publishBatch,
    subscribe: subscribe as EventBus['subscribe'],
    subscribePattern: (pattern, handler, subscribeOptions) => subscribeRoute({ pattern: patternRoute(pattern) }, handler, subscribeOptions),
    async provisionChannels(channels) {
      const wanted: readonly ChannelSpec[] = channels
        ? channels.map((channel) => catalogue.find((spec) => spec.channel === channel) ?? { channel, partitions: DEFAULT_CHANNEL_PARTITIONS })
        : catalogue;
      return ensureTopics(await connectedAdmin(), channelTopicSpecs(wanted, prefix));
    },
    topicOf,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...subscriptions].map((runner) => runner.stop()));
      subscriptions.clear();
      await producer.close();
      if (admin) await (await admin.catch(() => undefined))?.disconnect();
    },
  };
}
