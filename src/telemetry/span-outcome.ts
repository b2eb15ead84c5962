import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/** failSpan marks `span` failed with `error` (status ERROR and an exception event), without ending it. */
export function failSpan(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

/**
 * runInSpan runs fn with `span` active and ends it when fn settles, failed
 * if fn throws or rejects; `onEnd` sees the outcome just before the span ends.
 */
export async function runInSpan<T>(span: Span, fn: () => T | Promise<T>, onEnd?: (error: unknown) => void): Promise<T> {
  try {
    const result = await context.with(trace.setSpan(context.active(), span), fn);
    onEnd?.(undefined);
    return result;
  } catch (error) {
    failSpan(span, error);
    onEnd?.(error);
    throw error;
  } finally {
    span.end();
  }
}
