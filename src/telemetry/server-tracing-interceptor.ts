import { createContextKey, type Interceptor } from '@connectrpc/connect';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Context } from '@opentelemetry/api';
import { fetchHeadersGetter } from './header-carriers.js';
import { rpcCallAttributes, rpcSpanName, rpcSpanStartAttributes, rpcSystemOf } from './rpc-call-attributes.js';
import { createRpcSpanOutcome, DEFAULT_UNARY_MESSAGE_EVENTS, endWithStream } from './rpc-span-outcome.js';
import { MeshSpanEvents, RpcAttributes } from './semantic-attributes.js';
import { isTelemetryEnabled } from './telemetry-enabled.js';
import { callNext } from '../rpc/interceptors/call-next.js';
import { startRpcSpan } from './rpc-span-start.js';

/** DEFAULT_HAND_OFF_CONTEXT makes the server span current in the tracing interceptor itself. */
export const DEFAULT_HAND_OFF_CONTEXT = false;

/**
 * serverSpanContextKey holds, with `handOffContext`, the OpenTelemetry Context
 * of a call's SERVER span for the next interceptor to run the call in.
 */
export const serverSpanContextKey = createContextKey<Context | undefined>(undefined, { description: 'mesh: server span context' });

/** ServerTracingOptions configures createServerTracingInterceptor. */
export interface ServerTracingOptions {
  /**
   * messageEvents adds an `rpc.message` event per message of a unary call
   * too; streaming calls always get one per message.
   * @defaultValue DEFAULT_UNARY_MESSAGE_EVENTS (false)
   */
  messageEvents?: boolean;
  /**
   * handOffContext leaves making the server span current to the next
   * interceptor: the span's Context goes in `serverSpanContextKey` and the
   * chain is called as it is. The server kit's context interceptor, placed
   * right after, runs the call in that Context with the request context in
   * one AsyncLocalStorage `run` instead of two; nothing else should set it.
   * @defaultValue DEFAULT_HAND_OFF_CONTEXT (false)
   */
  handOffContext?: boolean;
}

/**
 * createServerTracingInterceptor returns an interceptor that continues the
 * caller's trace from the W3C `traceparent`/`tracestate`/`baggage` request
 * headers (a call without them starts a trace), makes one SERVER span per
 * call with the RPC semantic-convention attributes, runs the rest of the
 * chain and the handler inside it, and records `rpc.server.duration`. A
 * span is marked failed only for codes that are the server's fault
 * (SERVER_ERROR_CODES), as the conventions ask.
 *
 * Place it first, outside the context interceptor, so that the request
 * context the handler sees carries the server span's trace and span ids.
 */
export function createServerTracingInterceptor(options: ServerTracingOptions = {}): Interceptor {
  const messageEvents = options.messageEvents ?? DEFAULT_UNARY_MESSAGE_EVENTS;
  const handOff = options.handOffContext ?? DEFAULT_HAND_OFF_CONTEXT;
  return (next) => {
    // Without an SDK all of traced is no-ops that still cost a share of the call; a plain function steps aside.
    const traced = tracedCall(next);
    return (req) => (isTelemetryEnabled() ? traced(req) : callNext(next, req));
  };

  function tracedCall(next: Parameters<Interceptor>[0]): ReturnType<Interceptor> {
    return async (req) => {
      const start = performance.now();
      const system = rpcSystemOf(req.header);
      const callAttributes = rpcCallAttributes(system, req.service, req.method);
      const parent = propagation.extract(ROOT_CONTEXT, req.header, fetchHeadersGetter);
      const span = startRpcSpan(rpcSpanName(req.service, req.method), SpanKind.SERVER, rpcSpanStartAttributes(callAttributes, req.url), parent);
      const outcome = createRpcSpanOutcome(span, 'server', system, callAttributes, start);
      if (messageEvents && !req.stream) span.addEvent(MeshSpanEvents.RPC_MESSAGE, { [RpcAttributes.MESSAGE_TYPE]: 'RECEIVED', [RpcAttributes.MESSAGE_ID]: 1 });
      try {
        const spanContext = trace.setSpan(parent, span);
        let res;
        if (handOff) {
          req.contextValues.set(serverSpanContextKey, spanContext);
          res = await next(req);
        } else {
          res = await context.with(spanContext, () => next(req));
        }
        if (res.stream) return { ...res, message: endWithStream(span, spanContext, res.message, outcome, 'SENT') };
        if (messageEvents) span.addEvent(MeshSpanEvents.RPC_MESSAGE, { [RpcAttributes.MESSAGE_TYPE]: 'SENT', [RpcAttributes.MESSAGE_ID]: 1 });
        outcome.succeed();
        return res;
      } catch (error) {
        outcome.fail(error);
        throw error;
      }
    };
  }
}
