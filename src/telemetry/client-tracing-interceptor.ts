import type { Interceptor } from '@connectrpc/connect';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { rpcCallAttributes, rpcSpanName, rpcSpanStartAttributes, rpcSystemOf } from './rpc-call-attributes.js';
import { createRpcSpanOutcome, DEFAULT_UNARY_MESSAGE_EVENTS, endWithStream } from './rpc-span-outcome.js';
import { MeshSpanEvents, RpcAttributes } from './semantic-attributes.js';
import { describeRejection } from './span-events.js';
import { isTelemetryEnabled } from './telemetry-enabled.js';
import { startRpcSpan } from './rpc-span-start.js';
import { injectRpcTraceContext } from './w3c-propagator.js';

/** ClientTracingOptions configures createClientTracingInterceptor. */
export interface ClientTracingOptions {
  /**
   * messageEvents adds an `rpc.message` event per message of a unary call
   * too; streaming calls always get one per message.
   * @defaultValue DEFAULT_UNARY_MESSAGE_EVENTS (false)
   */
  messageEvents?: boolean;
}

type Next = Parameters<Interceptor>[0];

/**
 * createClientTracingInterceptor returns an interceptor that makes one CLIENT
 * span per call (`rpc.system`, `rpc.service`, `rpc.method`, `server.address`,
 * and the outcome as `rpc.grpc.status_code` or `rpc.connect_rpc.error_code`),
 * writes its W3C trace context and baggage on the request headers
 * (overwriting the toolkit's own traceparent), runs the inner interceptors
 * inside it so that retries, breaker rejections and deadline exhaustion
 * land on it as events, and records `rpc.client.duration`.
 *
 * Place it just inside the context interceptor: one span per logical call,
 * with every attempt under it.
 */
export function createClientTracingInterceptor(options: ClientTracingOptions = {}): Interceptor {
  const messageEvents = options.messageEvents ?? DEFAULT_UNARY_MESSAGE_EVENTS;
  // Without an SDK all of `traced` is no-ops that still cost a share of the
  // call, so the interceptor steps aside: it hands back `next` itself and is
  // no layer of the call at all. connect-es applies interceptors afresh to
  // every call (applyInterceptors in runUnaryCall and runStreamingCall), so
  // telemetry started later still applies to the next call.
  return (next) => (isTelemetryEnabled() ? (req) => traced(next, req) : next);

  async function traced(next: Next, req: Parameters<Next>[0]): ReturnType<Next> {
    const start = performance.now();
    const system = rpcSystemOf(req.header);
    const callAttributes = rpcCallAttributes(system, req.service, req.method);
    const active = context.active();
    const span = startRpcSpan(rpcSpanName(req.service, req.method), SpanKind.CLIENT, rpcSpanStartAttributes(callAttributes, req.url), active);
    const spanContext = trace.setSpan(active, span);
    injectRpcTraceContext(spanContext, span.spanContext(), req.header);
    const outcome = createRpcSpanOutcome(span, 'client', system, callAttributes, start);
    if (messageEvents && !req.stream) span.addEvent(MeshSpanEvents.RPC_MESSAGE, { [RpcAttributes.MESSAGE_TYPE]: 'SENT', [RpcAttributes.MESSAGE_ID]: 1 });
    try {
      const res = await context.with(spanContext, () => next(req));
      if (res.stream) return { ...res, message: endWithStream(span, spanContext, res.message, outcome, 'RECEIVED') };
      if (messageEvents) span.addEvent(MeshSpanEvents.RPC_MESSAGE, { [RpcAttributes.MESSAGE_TYPE]: 'RECEIVED', [RpcAttributes.MESSAGE_ID]: 1 });
      outcome.succeed();
      return res;
    } catch (error) {
      describeRejection(span, error);
      outcome.fail(error);
      throw error;
    }
  }
}
