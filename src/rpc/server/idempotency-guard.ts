import { createHash } from 'node:crypto';
import { create, isMessage, toBinary, type DescMethodUnary, type Message } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { LRUCache } from 'lru-cache';
import { ContextHeaders } from '../../context/index.js';
import { createDomainError } from './domain-error.js';
import { incomingCallKey } from './interceptors/incoming-call.js';
import type { UnaryHandler, UnaryWrapper } from './unary-wrapper.js';

/** IDEMPOTENCY_KEY_HEADER is the request metadata that carries the key (IETF Idempotency-Key, lowercase). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** IDEMPOTENT_REPLAYED_HEADER is set to "true" on a response that repeats a stored one. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** IDEMPOTENCY_KEY_PATTERN is what proto/README.md allows: 1-255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/** DEFAULT_IDEMPOTENCY_TTL_MS keeps outcomes for 24 hours, the minimum proto/README.md promises. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** DEFAULT_IDEMPOTENCY_MAX_ENTRIES bounds the memory of the outcome cache (least recently used go first). */
export const DEFAULT_IDEMPOTENCY_MAX_ENTRIES = 10_000;
/**
 * DEFAULT_UNSTORED_CODES are outcomes not worth remembering: the call may
 * not have run, or ran only partly, so a retry with the same key must run
 * again. Every other ConnectError is final and is replayed like a response;
 * an error that is not a ConnectError (a crash) is never stored.
 */
export const DEFAULT_UNSTORED_CODES: readonly Code[] = [
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Canceled,
  Code.Aborted,
  Code.ResourceExhausted,
];
/** IDEMPOTENCY_DOMAIN is the ErrorInfo domain of the guard's own errors. */
export const IDEMPOTENCY_DOMAIN = 'mesh.idempotency';

/** IdempotencyOptions configure createIdempotencyGuard. */
export interface IdempotencyOptions {
  /**
   * ttlMs is how long an outcome is replayed for its key.
   *
   * @defaultValue DEFAULT_IDEMPOTENCY_TTL_MS
   */
  ttlMs?: number;
  /**
   * maxEntries bounds how many outcomes are kept.
   *
   * @defaultValue DEFAULT_IDEMPOTENCY_MAX_ENTRIES
   */
  maxEntries?: number;
  /**
   * unstoredCodes are error codes that are not remembered.
   *
   * @defaultValue DEFAULT_UNSTORED_CODES
   */
  unstoredCodes?: readonly Code[];
  /**
   * scopeOf names the caller a key belongs to, so two callers never share one.
   *
   * @defaultValue callerScope (tenant and user headers)
   */
  scopeOf?: (context: HandlerContext) => string;
}

/** callerScope is the default scopeOf: the x-tenant-id and x-user-id of the call. */
export function callerScope(context: HandlerContext): string {
  const header = context.requestHeader;
  return `${header.get(ContextHeaders.TENANT_ID) ?? ''}/${header.get(ContextHeaders.USER_ID) ?? ''}`;
}

type Outcome = { readonly fingerprint: string } & ({ readonly message: Message } | { readonly error: ConnectError });

/**
 * createIdempotencyGuard makes unary calls that carry an `idempotency-key`
 * run once per (method, caller, key), as proto/README.md specifies: a repeat
 * gets the first call's response (or final error) back for `ttlMs`, with an
 * `idempotent-replayed: true` header; a repeat while the first still runs
 * fails with Aborted (reason IDEMPOTENCY_KEY_IN_USE); the same key with a
 * different request fails with FailedPrecondition (IDEMPOTENCY_KEY_REUSED).
 */
export function createIdempotencyGuard(options: IdempotencyOptions = {}): UnaryWrapper {
  const unstored = new Set(options.unstoredCodes ?? DEFAULT_UNSTORED_CODES);
  const scopeOf = options.scopeOf ?? callerScope;
  const outcomes = new LRUCache<string, Outcome>({
    max: options.maxEntries ?? DEFAULT_IDEMPOTENCY_MAX_ENTRIES,
    ttl: options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
  });
  const running = new Map<string, string>();

  // Most calls carry no key: for them a plain function that calls the handler, no async one.
  return (method, handler) => (request, context) => {
    const key = (context.values.get(incomingCallKey)?.headers ?? context.requestHeader).get(IDEMPOTENCY_KEY_HEADER);
    return key === null ? handler(request, context) : guarded(method, handler, request, context, key);
  };

  async function guarded(method: DescMethodUnary, handler: UnaryHandler, request: Message, context: HandlerContext, key: string) {
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ConnectError(`${IDEMPOTENCY_KEY_HEADER} must be 1-255 printable ASCII characters`, Code.InvalidArgument);
    }
    const slot = `/${method.parent.typeName}/${method.name}\n${scopeOf(context)}\n${key}`;
    const fingerprint = createHash('sha256').update(toBinary(method.input, request)).digest('base64');

    const runningFingerprint = running.get(slot);
    if (runningFingerprint !== undefined) {
      if (runningFingerprint !== fingerprint) throw reused();
      throw createDomainError(Code.Aborted, 'IDEMPOTENCY_KEY_IN_USE', 'a call with this idempotency key is still running', {
        domain: IDEMPOTENCY_DOMAIN,
      });
    }
    const stored = outcomes.get(slot);
    if (stored) {
      if (stored.fingerprint !== fingerprint) throw reused();
      context.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
      if ('error' in stored) throw stored.error;
      return stored.message;
    }

    running.set(slot, fingerprint);
    try {
      const output = await handler(request, context);
      const message = isMessage(output, method.output) ? output : create(method.output, output);
      outcomes.set(slot, { fingerprint, message });
      return message;
    } catch (error) {
      if (error instanceof ConnectError && !unstored.has(error.code)) outcomes.set(slot, { fingerprint, error });
      throw error;
    } finally {
      running.delete(slot);
    }
  }
}

function reused(): ConnectError {
  return createDomainError(Code.FailedPrecondition, 'IDEMPOTENCY_KEY_REUSED', 'this idempotency key was used with a different request', {
    domain: IDEMPOTENCY_DOMAIN,
  });
}
