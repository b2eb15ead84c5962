import { ConnectError, type Code } from '@connectrpc/connect';
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

/**
 * describeRejection turns a breaker's rejection (a ConnectError whose cause is
 * a BrokenCircuitError, made without a network call) into a
 * `mesh.breaker.rejection` event on `span`. Other errors add nothing; a
 * deadline spent before sending is recorded by the deadline interceptor
 * itself (recordDeadlineExhausted), on the active call span.
 */
export function describeRejection(span: Span, error: unknown): void {
  if (!(error instanceof ConnectError) || !(error.cause instanceof BrokenCircuitError)) return;
  const { breakerName, state, retryAfterMs } = error.cause;
  span.addEvent(MeshSpanEvents.BREAKER_REJECTION, {
    [MeshAttributes.BREAKER_NAME]: breakerName,
    [MeshAttributes.BREAKER_STATE]: state,
    ...(retryAfterMs === undefined ? {} : { [MeshAttributes.BREAKER_RETRY_AFTER_MS]: Math.ceil(retryAfterMs) }),
  });
  meshMetrics().rpcBreakerRejections.add(1, { [MeshAttributes.BREAKER_NAME]: breakerName, [MeshAttributes.BREAKER_STATE]: state });
}

function procedureAttributes(procedure: string | undefined): Attributes {
  if (!procedure) return {};
  const slash = procedure.lastIndexOf('/');
  return slash < 0
    ? { [RpcAttributes.SERVICE]: procedure }
    : { [RpcAttributes.SERVICE]: procedure.slice(0, slash), [RpcAttributes.METHOD]: procedure.slice(slash + 1) };
}
