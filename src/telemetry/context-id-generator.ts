import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace';
import { getContext } from '../context/index.js';

/**
 * ContextIdGenerator gives a root span the trace id of the current request
 * context, so that `runWithContext` starts the trace its spans land in; with
 * no request context (or when a caller asked for a root span under another
 * active span) ids come from the SDK's RandomIdGenerator.
 */
export class ContextIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();

  generateTraceId(): string {
    const active = trace.getSpanContext(context.active());
    const requested = active && isSpanContextValid(active) ? undefined : getContext()?.traceId;
    return requested ?? this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#random.generateSpanId();
  }
}
