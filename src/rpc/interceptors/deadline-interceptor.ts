import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { getContextDeadline } from '../../context/index.js';
import { recordDeadlineExhausted } from '../../telemetry/span-events.js';
import { armedDeadlineKey, callDeadlineKey } from './call-deadline.js';
import { callNext } from './call-next.js';
import { linkAbortSignal } from './link-abort-signal.js';
import { readTimeoutHeader, writeTimeoutHeader } from './timeout-header.js';

/** DEFAULT_CALL_TIMEOUT_MS is the timeout of a call whose caller and method configuration set none. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** DEFAULT_MIN_CALL_BUDGET_MS is the least time, in milliseconds, worth sending a call with; less fails fast. */
export const DEFAULT_MIN_CALL_BUDGET_MS = 5;

/** DeadlineOptions configures createDeadlineInterceptor. */
export interface DeadlineOptions {
  /**
   * Timeout, in milliseconds, of unary calls whose caller gave none
   * (`timeoutMs` call option) and whose method has no entry in
   * `methodTimeoutsMs`; streaming calls get no default. `0` means none.
   * @defaultValue DEFAULT_CALL_TIMEOUT_MS (10 000)
   */
  defaultTimeoutMs?: number;
  /**
   * Per-method timeouts in milliseconds, keyed by the method's local name
   * (`GetUser`) or its full name (`auth.v1.AuthService.GetUser`).
   * @defaultValue `{}`
   */
  methodTimeoutsMs?: Readonly<Record<string, number>>;
  /**
   * Calls with less time left than this fail with DeadlineExceeded without being sent.
   * @defaultValue DEFAULT_MIN_CALL_BUDGET_MS (5)
   */
  minBudgetMs?: number;
  /**
   * Clock in epoch milliseconds; injectable for tests.
   * @defaultValue Date.now
   */
  now?: () => number;
}

type Next = Parameters<Interceptor>[0];

const NO_METHOD_TIMEOUTS: Readonly<Record<string, number>> = Object.freeze({});

/** ResolvedDeadlineOptions are DeadlineOptions with every default filled in. */
export interface ResolvedDeadlineOptions {
  readonly defaultTimeoutMs: number;
  readonly methodTimeoutsMs: Readonly<Record<string, number>>;
  readonly minBudgetMs: number;
  readonly now: () => number;
}

/** resolveDeadlineOptions fills in the defaults of DeadlineOptions. */
export function resolveDeadlineOptions(options: DeadlineOptions = {}): ResolvedDeadlineOptions {
  return {
    defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    methodTimeoutsMs: options.methodTimeoutsMs ?? NO_METHOD_TIMEOUTS,
    minBudgetMs: options.minBudgetMs ?? DEFAULT_MIN_CALL_BUDGET_MS,
    now: options.now ?? Date.now,
  };
}

/**
 * configuredTimeoutMs returns the timeout a call gets when its caller set
 * none: the method's entry in `methodTimeoutsMs`, else the default for unary
 * calls, else undefined (streams, such as Watch or subscriptions, may rightly
 * last forever).
 */
export function configuredTimeoutMs(
  options: ResolvedDeadlineOptions,
  service: DescService,
  method: DescMethod,
  stream: boolean,
): number | undefined {
  const byMethod = options.methodTimeoutsMs;
  // Most clients configure no method timeouts: then no full name is built on every call.
  const configured = byMethod === NO_METHOD_TIMEOUTS ? undefined : (byMethod[method.name] ?? byMethod[`${service.typeName}.${method.name}`]);
  return configured ?? (options.defaultTimeoutMs > 0 && !stream ? options.defaultTimeoutMs : undefined);
}

/**
 * callDeadline returns the absolute deadline of a call starting at `start`
 * with timeout `ownMs` (undefined for none) inside a request context whose
 * deadline is `inherited`: the earlier of the two, undefined when neither.
 */
export function callDeadline(start: number, ownMs: number | undefined, inherited: number | undefined): number | undefined {
  const own = ownMs === undefined ? undefined : start + ownMs;
  if (own === undefined) return inherited;
  return inherited === undefined ? own : Math.min(own, inherited);
}

/**
 * createDeadlineInterceptor returns an interceptor that gives every call a
 * deadline: the caller's `timeoutMs`, else the method's configured timeout,
 * else the default — never later than the deadline of the request context
 * (`getContext().deadline`, which the server side sets while it handles an
 * incoming call), so a budget only shrinks along a call chain.
 *
 * connect-es formats the timeout header and arms the abort signal once, before
 * interceptors run; this interceptor rewrites the header for the wire
 * protocol in use, arms `req.signal` for the new deadline, and publishes the
 * absolute deadline under `callDeadlineKey` for inner interceptors. A call
 * whose budget is already spent fails with DeadlineExceeded and is not sent.
 * Under createDeadlineTransport (as in createMeshClient) connect-es has
 * usually armed the right deadline already; the interceptor then only
 * publishes it.
 */
export function createDeadlineInterceptor(options: DeadlineOptions = {}): Interceptor {
  const resolved = resolveDeadlineOptions(options);
  const { minBudgetMs, now } = resolved;

  // The armed path, nearly every call of a mesh client, is a plain function
  // (see callNext); the rest is the async function below.
  return (next) => (req) => {
    try {
      const armed = req.contextValues.get(armedDeadlineKey);
      if (armed === undefined) return armAndCall(next, req);
      // Taken once: a retry or a reused contextValues object must not find it again.
      req.contextValues.delete(armedDeadlineKey);
      req.contextValues.set(callDeadlineKey, armed);
      return callNext(next, req);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  async function armAndCall(next: Next, req: Parameters<Next>[0]): ReturnType<Next> {
    const start = now();
    const own = readTimeoutHeader(req.header) ?? configuredTimeoutMs(resolved, req.service, req.method, req.stream);
    const deadline = callDeadline(start, own, getContextDeadline());
    if (deadline === undefined) {
      req.contextValues.delete(callDeadlineKey);
      return next(req);
    }
    const budget = deadline - start;
    if (!(budget >= minBudgetMs)) {
      const procedure = `${req.service.typeName}/${req.method.name}`;
      // Recorded here, on the call's span, rather than recognised later from the error's text.
      recordDeadlineExhausted(budget, procedure);
      throw new ConnectError(`deadline exceeded before sending ${procedure}: ${Math.max(0, Math.floor(budget))} ms left`, Code.DeadlineExceeded);
    }
    writeTimeoutHeader(req.header, budget);
    req.contextValues.set(callDeadlineKey, deadline);
    // One controller does what connect-es's createDeadlineSignal and createLinkedAbortController do in two.
    const link = linkAbortSignal(req.signal);
    const timer = setTimeout(() => link.controller.abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)), budget);
    const cleanup = () => {
      clearTimeout(timer);
      link.unlink();
    };
    if (!req.stream) {
      try {
        return await next({ ...req, signal: link.signal });
      } finally {
        cleanup();
      }
    }
    // A stream outlives next(); connect-es aborts req.signal when it ends.
    link.signal.addEventListener('abort', cleanup, { once: true });
    return next({ ...req, signal: link.signal });
  }
}
