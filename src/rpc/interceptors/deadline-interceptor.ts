import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { getContext } from '../../context/index.js';
import { recordDeadlineExhausted } from '../../telemetry/span-events.js';
import { callDeadlineKey } from './call-deadline.js';
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
 */
export function createDeadlineInterceptor(options: DeadlineOptions = {}): Interceptor {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const methodTimeouts = options.methodTimeoutsMs ?? {};
  const minBudgetMs = options.minBudgetMs ?? DEFAULT_MIN_CALL_BUDGET_MS;
  const now = options.now ?? Date.now;

  return (next) => async (req) => {
    const start = now();
    const own =
      readTimeoutHeader(req.header) ??
      methodTimeouts[req.method.name] ??
      methodTimeouts[`${req.service.typeName}.${req.method.name}`] ??
      // Streams (Watch, subscriptions) may rightly last forever: no default for them.
      (defaultTimeoutMs > 0 && !req.stream ? defaultTimeoutMs : undefined);
    const inherited = getContext()?.deadline;
    const candidates = [own === undefined ? undefined : start + own, inherited].filter((d) => d !== undefined);
    if (candidates.length === 0) {
      req.contextValues.delete(callDeadlineKey);
      return next(req);
    }
    const deadline = Math.min(...candidates);
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
  };
}
