import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { kafkaHeadersGetter, kafkaHeadersSetter, type KafkaHeaders } from './header-carriers.js';

/**
 * injectKafkaHeaders writes the W3C trace context and baggage of `ctx` (the
 * active context by default) into a kafkajs header map and returns it; a
 * missing map is created.
 */
export function injectKafkaHeaders(headers: KafkaHeaders = {}, ctx: Context = context.active()): KafkaHeaders {
  propagation.inject(ctx, headers, kafkaHeadersSetter);
  return headers;
}

/**
 * extractKafkaContext reads the W3C trace context and baggage of a consumed
 * record's headers into a Context on top of `base` (the root context by
 * default: a record's trace is its producer's, not the consumer loop's).
 */
export function extractKafkaContext(headers: KafkaHeaders | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers ? propagation.extract(base, headers, kafkaHeadersGetter) : base;
}
