import { Code, ConnectError } from '@connectrpc/connect';
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { BrokenCircuitError } from '../resilience/index.js';
import { codeName } from './rpc-call-attributes.js';
import { meshMetrics } from './mesh-metrics.js';
import { MeshAttributes, MeshSpanEvents, RpcAttributes } from './semantic-attributes.js';

/** RetryEventLike is the shape of the retry interceptor's RetryEvent that recordRetryEvent needs. */
export interface RetryEventLike {
  readonly procedure: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: { readonly code: Code };
}

/**
 * recordRetryAttempt adds a `mesh.retry.attempt` event to the active span
 * (the call's CLIENT span when the tracing interceptor is outside the retry
 * interceptor) and counts it on `mesh.rpc.retries`.
 */
export function recordRetryAttempt(attempt: number, delayMs: number, code: Code, procedure?: string): void {
  trace.getActiveSpan()?.addEvent(MeshSpanEvents.RETRY_ATTEMPT, {
    [MeshAttributes.RETRY_ATTEMPT]: attempt,
    [MeshAttributes.RETRY_DELAY_MS]: Math.round(delayMs),
    [RpcAttributes.RESPONSE_STATUS_CODE]: codeName(code),
  });
  meshMetrics().rpcRetries.add(1, { ...procedureAttributes(procedure), [RpcAttributes.RESPONSE_STATUS_CODE]: codeName(code) });
}

/** recordRetryEvent is recordRetryAttempt for the retry interceptor's `onRetry` hook. */
export function recordRetryEvent(event: RetryEventLike): void {
  recordRetryAttempt(event.attempt, event.delayMs, event.error.code, event.procedure);
}

/**
 * recordBreakerRejection adds a `mesh.breaker.rejection` event (breaker name,
 * state, time until a probe is admitted) to the active span and counts it
 * on `mesh.rpc.breaker.rejections`.
 */
export function recordBreakerRejection(name: string, state: string, retryAfterMs?: number): void {
  const attributes: Attributes = { [MeshAttributes.BREAKER_NAME]: name, [MeshAttributes.BREAKER_STATE]: state };
  if (retryAfterMs !== undefined) attributes[MeshAttributes.BREAKER_RETRY_AFTER_MS] = Math.ceil(retryAfterMs);
  trace.getActiveSpan()?.addEvent(MeshSpanEvents.BREAKER_REJECTION, attributes);
  meshMetrics().rpcBreakerRejections.add(1, { [MeshAttributes.BREAKER_NAME]: name, [MeshAttributes.BREAKER_STATE]: state });
}

/** recordDeadlineExhausted adds a `mesh.deadline.exhausted` event to the active span and counts it. */
export function recordDeadlineExhausted(remainingMs: number, procedure?: string): void {
  trace.getActiveSpan()?.addEvent(MeshSpanEvents.DEADLINE_EXHAUSTED, { [MeshAttributes.DEADLINE_REMAINING_MS]: Math.max(0, Math.floor(remainingMs)) });
  meshMetrics().rpcDeadlineExhausted.add(1, procedureAttributes(procedure));
}

// The deadline interceptor's message for a call it refused to send (src/rpc/interceptors/deadline-interceptor.ts).
const DEADLINE_NOT_SENT = /^deadline exceeded before sending (\S+): (\d+) ms left$/;

/**
 * describeRejection turns an error the resilience interceptors produced
 * without a network call into the matching event on `span`: a breaker's
 * rejection (the ConnectError's cause is a BrokenCircuitError) or a
 * deadline spent before sending. Other errors add nothing.
 */
export function describeRejection(span: Span, error: unknown): void {
  if (!(error instanceof ConnectError)) return;
  if (error.cause instanceof BrokenCircuitError) {
    const { breakerName, state, retryAfterMs } = error.cause;
    span.addEvent(MeshSpanEvents.BREAKER_REJECTION, {
      [MeshAttributes.BREAKER_NAME]: breakerName,
      [MeshAttributes.BREAKER_STATE]: state,
      ...(retryAfterMs === undefined ? {} : { [MeshAttributes.BREAKER_RETRY_AFTER_MS]: Math.ceil(retryAfterMs) }),
    });
    meshMetrics().rpcBreakerRejections.add(1, { [MeshAttributes.BREAKER_NAME]: breakerName, [MeshAttributes.BREAKER_STATE]: state });
    return;
  }
  const notSent = error.code === Code.DeadlineExceeded ? DEADLINE_NOT_SENT.exec(error.rawMessage) : null;
  if (notSent) {
    span.addEvent(MeshSpanEvents.DEADLINE_EXHAUSTED, { [MeshAttributes.DEADLINE_REMAINING_MS]: Number(notSent[2]) });
    meshMetrics().rpcDeadlineExhausted.add(1, procedureAttributes(notSent[1]));
  }
}

function procedureAttributes(procedure: string | undefined): Attributes {
  if (!procedure) return {};
  const slash = procedure.lastIndexOf('/');
  return slash < 0
    ? { [RpcAttributes.SERVICE]: procedure }
    : { [RpcAttributes.SERVICE]: procedure.slice(0, slash), [RpcAttributes.METHOD]: procedure.slice(slash + 1) };
}
