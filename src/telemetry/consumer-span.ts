import { context, isSpanContextValid, ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import type { KafkaHeaders } from './header-carriers.js';
import { extractKafkaContext } from './kafka-propagation.js';
import { MessagingAttributes } from './semantic-attributes.js';
import { runInSpan } from './span-outcome.js';
import { meshTracer } from './telemetry-scope.js';

/** ConsumerParentage says how a consumer span relates to its producer's: child (one trace) or link (a new trace). */
export type ConsumerParentage = 'child' | 'link';

/** DEFAULT_CONSUMER_PARENTAGE makes a consumer span the child of the producer span, so one trace covers the Kafka hop. */
export const DEFAULT_CONSUMER_PARENTAGE: ConsumerParentage = 'child';

/** ConsumerSpanOptions describe the consumed record (the consumer runner's ConsumedRecord fits) and the group. */
export interface ConsumerSpanOptions {
  topic: string;
  partition: number;
  offset: string;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: KafkaHeaders;
  /** The consumer group, when the record is consumed in one. */
  groupId?: string;
  /**
   * parentage: `child` continues the producer's trace; `link` starts a trace linked to it (for batch or replay work).
   * @defaultValue DEFAULT_CONSUMER_PARENTAGE ('child')
   */
  parentage?: ConsumerParentage;
}

/** ConsumerSpan is a started CONSUMER span and the context to run the handler in. */
export interface ConsumerSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * startConsumerSpan starts a CONSUMER span `process <topic>` for one record,
 * a child of (or linked to) the producer span whose context came in the
 * record's headers, with the messaging attributes (`messaging.system=kafka`,
 * destination, partition, offset, consumer group, key). A record without
 * trace headers starts a trace. End the span when the record is handled.
 */
export function startConsumerSpan(options: ConsumerSpanOptions): ConsumerSpan {
  const producer = extractKafkaContext(options.headers);
  const producerSpan = trace.getSpanContext(producer);
  const link = (options.parentage ?? DEFAULT_CONSUMER_PARENTAGE) === 'link';
  const parent = link ? ROOT_CONTEXT : producer;
  const span = meshTracer().startSpan(
    `process ${options.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MessagingAttributes.SYSTEM]: 'kafka',
        [MessagingAttributes.DESTINATION_NAME]: options.topic,
        [MessagingAttributes.OPERATION_NAME]: 'process',
        [MessagingAttributes.OPERATION_TYPE]: 'process',
        [MessagingAttributes.KAFKA_DESTINATION_PARTITION]: options.partition,
        [MessagingAttributes.KAFKA_MESSAGE_OFFSET]: Number(options.offset),
        ...(options.groupId ? { [MessagingAttributes.KAFKA_CONSUMER_GROUP]: options.groupId } : {}),
        ...(options.key == null ? {} : { [MessagingAttributes.KAFKA_MESSAGE_KEY]: options.key.toString() }),
        ...(options.value === null ? { [MessagingAttributes.KAFKA_MESSAGE_TOMBSTONE]: true } : {}),
      },
      links: link && producerSpan && isSpanContextValid(producerSpan) ? [{ context: producerSpan }] : [],
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * withConsumerSpan runs a record's handler inside its consumer span and ends
 * the span when the handler settles (failed if it throws). The wiring in a
 * consumer loop is one line: `withConsumerSpan({ ...record, groupId }, () => handler(record))`.
 */
export function withConsumerSpan<T>(options: ConsumerSpanOptions, fn: () => T | Promise<T>): Promise<T> {
  const { span, context: spanContext } = startConsumerSpan(options);
  return context.with(spanContext, () => runInSpan(span, fn));
}
