import { context, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import type { KafkaHeaders } from './header-carriers.js';
import { injectKafkaHeaders } from './kafka-propagation.js';
import { MessagingAttributes } from './semantic-attributes.js';
import { failSpan } from './span-outcome.js';
import { meshTracer } from './telemetry-scope.js';
import { isTracingActive } from './tracing-active.js';

/** ProducerSpanOptions describe the record a producer span is about. */
export interface ProducerSpanOptions {
  topic: string;
  key?: string | Buffer | null;
  /** The partition, when the caller picked it. */
  partition?: number;
  /** A null value is a tombstone. */
  value?: string | Buffer | null;
}

/** ProducerSpan is a started PRODUCER span and how to finish it. */
export interface ProducerSpan {
  readonly span: Span;
  /** context is the active context with this span set: what to propagate. */
  readonly context: Context;
  /** inject writes this span's trace context into a record's headers and returns them. */
  inject(headers?: KafkaHeaders): KafkaHeaders;
  /** end ends the span, with where the broker stored the record when known. */
  end(ack?: { partition: number; offset: string }): void;
  /** fail ends the span as failed. */
  fail(error: unknown): void;
}

/**
 * startProducerSpan starts a PRODUCER span `publish <topic>` as a child of
 * the active span, with the messaging attributes (`messaging.system=kafka`,
 * destination, key, partition). Inject it into the record's headers before
 * sending, then end it with the broker's acknowledgement.
 */
export function startProducerSpan(options: ProducerSpanOptions): ProducerSpan {
  const span = meshTracer().startSpan(`publish ${options.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [MessagingAttributes.SYSTEM]: 'kafka',
      [MessagingAttributes.DESTINATION_NAME]: options.topic,
      [MessagingAttributes.OPERATION_NAME]: 'publish',
      [MessagingAttributes.OPERATION_TYPE]: 'send',
      ...(options.key == null ? {} : { [MessagingAttributes.KAFKA_MESSAGE_KEY]: options.key.toString() }),
      ...(options.partition === undefined ? {} : { [MessagingAttributes.KAFKA_DESTINATION_PARTITION]: options.partition }),
      ...(options.value === null ? { [MessagingAttributes.KAFKA_MESSAGE_TOMBSTONE]: true } : {}),
    },
  });
  const spanContext = trace.setSpan(context.active(), span);
  return {
    span,
    context: spanContext,
    inject: (headers) => injectKafkaHeaders(headers, spanContext),
    end(ack) {
      if (ack) {
        span.setAttributes({
          [MessagingAttributes.KAFKA_DESTINATION_PARTITION]: ack.partition,
          [MessagingAttributes.KAFKA_MESSAGE_OFFSET]: Number(ack.offset),
        });
      }
      span.end();
    },
    fail(error) {
      failSpan(span, error);
      span.end();
    },
  };
}

/** ProducedRecord is the part of an outgoing record tracing needs (MeshProducer's OutgoingRecord fits). */
export interface ProducedRecord extends ProducerSpanOptions {
  headers?: KafkaHeaders;
}

function withHeaders<R extends ProducedRecord>(record: R): R & { headers: KafkaHeaders } {
  return record.headers ? (record as R & { headers: KafkaHeaders }) : { ...record, headers: {} };
}

/**
 * sendTraced wraps one send of several records: a producer span per record,
 * its trace context added to (a copy of) the record's headers, the spans
 * ended with the acknowledgements `send` resolves with, in input order, or
 * failed with its error. While tracing is off (see isTracingActive) it makes
 * no spans and sends the records as they are. The wiring in a producer is one line:
 * `sendTraced(records, (traced) => producer.send(traced))`.
 */
export async function sendTraced<R extends ProducedRecord, A extends { partition: number; offset: string }>(
  records: readonly R[],
  send: (records: Array<R & { headers: KafkaHeaders }>) => Promise<A[]>,
): Promise<A[]> {
  // Without tracing the spans and header copies would be no-ops nobody sees.
  if (!isTracingActive()) return send(records.map(withHeaders));
  const spans = records.map((record) => startProducerSpan(record));
  const traced = records.map((record, i) => ({ ...record, headers: spans[i]!.inject({ ...record.headers }) }));
  try {
    const acks = await send(traced);
    spans.forEach((span, i) => span.end(acks[i]));
    return acks;
  } catch (error) {
    for (const span of spans) span.fail(error);
    throw error;
  }
}
