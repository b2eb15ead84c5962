import { AsyncLocalStorage } from 'node:async_hooks';
import type { Interceptor } from '@connectrpc/connect';
import { context as otelContext, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { readContextHeaders, runWithContext, type RequestContext } from '../../../context/index.js';
import { callNext } from '../../interceptors/call-next.js';
import { serverSpanContextKey } from '../../../telemetry/server-tracing-interceptor.js';
import { incomingCallKey } from './incoming-call.js';

/**
 * createContextInterceptor rebuilds the caller's RequestContext from the
 * request headers and runs the handler inside it, so the handler, and every
 * client call it makes, sees the trace, correlation id, user and the call's
 * deadline (recorded by `incomingCallValues`). Under the server tracing
 * interceptor the call's SERVER span is active: its trace and span ids win
 * over the headers, so a call that came without a traceparent does not start
 * a second trace beside the span's. When that interceptor hands its span's
 * Context over (`handOffContext`, as createServer sets it), the call runs in
 * it here: one context `run` for the span and the request context.
 */
export function createContextInterceptor(): Interceptor {
  return (next) => (request) => {
    const otel = request.contextValues.get(serverSpanContextKey) ?? otelContext.active();
    const incoming = request.contextValues.get(incomingCallKey);
    const context = readContextHeaders(incoming?.headers ?? request.header, spanIdsIn(otel));
    const deadline = incoming?.deadline;
    if (deadline !== undefined) context.deadline = deadline;
    // A unary handler runs within next: a plain function and no promise of its own on every call.
    if (request.method.methodKind === 'unary') return runWithContext(context, () => callNext(next, request), otel);
    return runStreaming(next, request, context, otel);
  };
}

async function runStreaming(
  next: Parameters<Interceptor>[0],
  request: Parameters<ReturnType<Interceptor>>[0],
  context: RequestContext,
  otel: Context,
): ReturnType<ReturnType<Interceptor>> {
  let resume: <R>(fn: () => R) => R = runNow;
  const response = await runWithContext(
    context,
    () => {
      if (request.stream) resume = AsyncLocalStorage.snapshot();
      return next(request);
    },
    otel,
  );
  if (!response.stream) return response;
  // A streaming handler runs as connect pulls its messages, outside this call.
  return { ...response, message: resumeEach(response.message, resume) };
}

const runNow = <R>(fn: () => R): R => fn();

function resumeEach<T>(iterable: AsyncIterable<T>, resume: <R>(fn: () => R) => R): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = resume(() => iterable[Symbol.asyncIterator]());
      return {
        next: (...args) => resume(() => it.next(...args)),
        return: (value) => resume(() => it.return?.(value) ?? Promise.resolve({ done: true as const, value })),
        throw: (error) => resume(() => it.throw?.(error) ?? Promise.reject(error)),
      };
    },
  };
}

function spanIdsIn(otel: Context): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpanContext(otel);
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : undefined;
}
