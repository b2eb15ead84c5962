import { Code, ConnectError } from '@connectrpc/connect';
import { context, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { rpcMetricAttributes, rpcStatusAttributes, type RpcSystem } from './rpc-call-attributes.js';
import type { RpcSide } from './mesh-metrics.js';
import { recordRpcDuration } from './rpc-duration-producer.js';
import { RpcAttributes, MeshSpanEvents } from './semantic-attributes.js';

/** SERVER_ERROR_CODES are the codes that mark a server span as failed (semconv: the server's fault, not the caller's). */
export const SERVER_ERROR_CODES: ReadonlySet<Code> = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/**
 * DEFAULT_UNARY_MESSAGE_EVENTS leaves `rpc.message` events off unary calls:
 * the conventions mean them for streams, and on a unary call they only repeat
 * the span's start and end, at a measurable cost per call (two events a side).
 */
export const DEFAULT_UNARY_MESSAGE_EVENTS = false;

/** RpcSpanOutcome ends an RPC span once, with its status, and records the call's duration. */
export interface RpcSpanOutcome {
  /** succeed ends the span as OK. */
  succeed(): void;
  /** fail ends the span with the error's code. */
  fail(error: unknown): void;
}

/** createRpcSpanOutcome returns the one-shot ending of an RPC span started at `startMs` (performance.now()). */
export function createRpcSpanOutcome(span: Span, side: RpcSide, system: RpcSystem, callAttributes: Attributes, startMs: number): RpcSpanOutcome {
  return new SpanOutcome(span, side, system, callAttributes, startMs);
}

// A class, not closures: one is made per call, and under tsx every named closure costs a defineProperty (esbuild's keepNames).
class SpanOutcome implements RpcSpanOutcome {
  private ended = false;

  constructor(
    private readonly span: Span,
    private readonly side: RpcSide,
    private readonly system: RpcSystem,
    private readonly callAttributes: Attributes,
    private readonly startMs: number,
  ) {}

  succeed(): void {
    this.end(undefined);
  }

  fail(cause: unknown): void {
    const error = ConnectError.from(cause);
    this.end(error.code, error);
  }

  private end(code: Code | undefined, error?: ConnectError): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    // A span that records nothing (not sampled) takes no attributes, status or exception.
    if (span.isRecording()) {
      span.setAttributes(rpcStatusAttributes(this.system, code));
      if (error && (this.side === 'client' || SERVER_ERROR_CODES.has(error.code))) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.rawMessage });
      }
      if (error) span.recordException(error);
    }
    span.end();
    recordRpcDuration(this.side, performance.now() - this.startMs, rpcMetricAttributes(this.callAttributes, code));
  }
}

/**
 * endWithStream returns the stream, ending `outcome` when it finishes, fails
 * or is abandoned; messages become span events. Each message is pulled inside
 * `spanContext`: connect pulls a streaming handler's messages after the
 * interceptors returned, outside the span, and the handler must still see it.
 */
export function endWithStream<T>(
  span: Span,
  spanContext: Context,
  messages: AsyncIterable<T>,
  outcome: RpcSpanOutcome,
  type: 'SENT' | 'RECEIVED',
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = context.with(spanContext, () => messages[Symbol.asyncIterator]());
      let id = 0;
      return {
        async next(...args) {
          try {
            const result = await context.with(spanContext, () => it.next(...args));
            if (result.done) outcome.succeed();
            else span.addEvent(MeshSpanEvents.RPC_MESSAGE, { [RpcAttributes.MESSAGE_TYPE]: type, [RpcAttributes.MESSAGE_ID]: ++id });
            return result;
          } catch (error) {
            outcome.fail(error);
            throw error;
          }
        },
        async return(value) {
          outcome.fail(new ConnectError('stream abandoned', Code.Canceled));
          return it.return ? context.with(spanContext, () => it.return!(value)) : { done: true as const, value };
        },
        async throw(error) {
          outcome.fail(error);
          if (it.throw) return context.with(spanContext, () => it.throw!(error));
          throw error;
        },
      };
    },
  };
}
