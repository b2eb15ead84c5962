import { context, isSpanContextValid, isValidTraceId, trace } from '@opentelemetry/api';
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace';
import { REQUEST_CONTEXT_KEY, type RequestContext } from '../context/index.js';

/**
 * ContextIdGenerator gives a root span the trace id of the current request
 * context, so that `runWithContext` starts the trace its spans land in; with
 * no request context, one whose trace id is not a valid W3C one, or when a
 * caller asked for a root span under another active span, ids come from the
 * SDK's RandomIdGenerator.
 */
export class ContextIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();

  generateTraceId(): string {
    const otel = context.active();
    const active = trace.getSpanContext(otel);
    // With no valid active span, getContext() would return the stored context as it is: read it directly.
    const requested = active && isSpanContextValid(active) ? undefined : (otel.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined)?.traceId;
    // The sampler takes a root's trace id as valid (AlwaysOnSampler does not check it).
    return requested !== undefined && isValidTraceId(requested) ? requested : this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#random.generateSpanId();
  }
}
