import type { DescMethod } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';

/** IDEMPOTENCY_KEY_HEADER is the request header that makes a call safe to repeat (proto/README.md). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * isIdempotentMethod tells whether a method may be repeated without a key:
 * its `idempotency_level` is NO_SIDE_EFFECTS or IDEMPOTENT.
 */
export function isIdempotentMethod(method: Pick<DescMethod, 'idempotency'>): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT
  );
}

/**
 * isRetryEligible tells whether a call may be retried at all: it is unary (a
 * stream's messages are consumed as they are sent, so they cannot be
 * replayed) and its method is idempotent or the call carries an idempotency key.
 */
export function isRetryEligible(req: { stream: boolean; method: Pick<DescMethod, 'idempotency'>; header: Headers }): boolean {
  if (req.stream) return false;
  return isIdempotentMethod(req.method) || (req.header.get(IDEMPOTENCY_KEY_HEADER) ?? '') !== '';
}
