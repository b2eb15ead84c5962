import { IDEMPOTENCY_KEY_HEADER } from '../rpc/interceptors/retry-eligibility.js';

/** SagaPhase says whether a step call does or undoes the step. */
export type SagaPhase = 'execute' | 'compensate';

/**
 * sagaIdempotencyKey is the key of one step call, `<saga_id>:<step>:<phase>`
 * (proto/README.md): the same on every attempt and after every restart, so
 * the services apply each effect once.
 */
export function sagaIdempotencyKey(sagaId: string, step: string, phase: SagaPhase): string {
  return `${sagaId}:${step}:${phase}`;
}

/** SagaCallOptions are Connect call options carrying a step's idempotency key and abort signal. */
export interface SagaCallOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** sagaCallOptions builds the Connect call options of one step call. */
export function sagaCallOptions(idempotencyKey: string, signal: AbortSignal): SagaCallOptions {
  return { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey }, signal };
}
