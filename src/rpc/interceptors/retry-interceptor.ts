import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import {
  abortableSleep,
  BrokenCircuitError,
  computeBackoff,
  createRetryBudget,
  delayWithinDeadline,
  DEFAULT_MIN_ATTEMPT_TIME,
  type BackoffOptions,
  type RetryBudget,
  type RetryBudgetOptions,
} from '../../resilience/index.js';
import { triedEndpointsKey } from './balancer-interceptor.js';
import { callDeadlineOf } from './call-deadline.js';
import { callNext } from './call-next.js';
import { linkAbortSignal } from './link-abort-signal.js';
import { isRetryEligible } from './retry-eligibility.js';
import { retryDelayFromError } from './retry-info.js';
import { writeTimeoutHeader } from './timeout-header.js';

/** DEFAULT_MAX_ATTEMPTS is the number of attempts of a call, the first one included. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** DEFAULT_RETRYABLE_CODES retries only Unavailable: the one code that says the request was not processed (AIP-194). */
export const DEFAULT_RETRYABLE_CODES: readonly Code[] = Object.freeze([Code.Unavailable]);

// The abort reason of a failed attempt's signal, made once: a fresh reason
// (a DOMException by default) per call cost more than the rest of this interceptor.
const ATTEMPT_ENDED = new ConnectError('the attempt ended', Code.Canceled);

type Next = Parameters<Interceptor>[0];

/** RetryEvent describes one retry about to be made, for logs and metrics. */
export interface RetryEvent {
  /** Full method name, e.g. `auth.v1.AuthService/GetUser`. */
  readonly procedure: string;
  /** Number of the attempt about to start (2 for the first retry). */
  readonly attempt: number;
  /** The error of the attempt that failed. */
  readonly error: ConnectError;
  /** Milliseconds waited before the attempt. */
  readonly delayMs: number;
}

/** RetryOptions configures createRetryInterceptor. */
export interface RetryOptions {
  /**
   * Attempts per call, the first one included; 1 disables retries.
   * @defaultValue DEFAULT_MAX_ATTEMPTS (3)
   */
  maxAttempts?: number;
  /**
   * Codes worth retrying; other errors are returned at once.
   * @defaultValue DEFAULT_RETRYABLE_CODES ([Code.Unavailable])
   */
  retryableCodes?: readonly Code[];
  /**
   * Backoff between attempts (exponential with full jitter by default); a
   * server's `mesh.v1.RetryInfo` replaces it when present.
   * @defaultValue the defaults of computeBackoff (100 ms initial, ×2, 10 s max, full jitter)
   */
  backoff?: BackoffOptions;
  /**
   * Retry budget of the target: a RetryBudget to share, options for a new one,
   * or false for none.
   * @defaultValue a new budget with createRetryBudget's defaults (20 % of calls + 10 retries/s)
   */
  budget?: RetryBudget | RetryBudgetOptions | false;
  /**
   * Least time, in milliseconds, an attempt must have before the deadline to be made.
   * @defaultValue DEFAULT_MIN_ATTEMPT_TIME (10)
   */
  minAttemptTimeMs?: number;
  /** Called before every retry. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * snapshotHeader copies the call's header before the first attempt, and
   * every retry starts from that copy. Without it a retry starts from the
   * header as the failed attempt left it, which saves a copy per call but is
   * only right when no inner interceptor appends to the header (connect-es
   * hands every attempt's interceptors the header they were given: an
   * appended value would be sent twice). createMeshClient turns it off when
   * the inner interceptors are all the toolkit's own, which only set.
   * @defaultValue true
   */
  snapshotHeader?: boolean;
  /**
   * Clock in epoch milliseconds; injectable for tests.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/**
 * resolveRetryBudget returns the budget a `budget` retry option stands for:
 * the budget given, a new one from options, or undefined for `false`.
 */
export function resolveRetryBudget(option: RetryOptions['budget'] = {}): RetryBudget | undefined {
  if (option === false) return undefined;
  return typeof (option as RetryBudget).tryWithdraw === 'function' ? (option as RetryBudget) : createRetryBudget(option as RetryBudgetOptions);
}

/**
 * createRetryInterceptor returns an interceptor that retries failed unary calls
 * of idempotent methods (NO_SIDE_EFFECTS / IDEMPOTENT) and of calls carrying
 * an `idempotency-key` header; streaming calls are never retried. Only
 * `retryableCodes` are retried, never a call rejected by an open circuit
 * breaker (every endpoint is open by then), and only while the target's
 * retry budget allows. Backoff is exponential with jitter and never sleeps
 * past the call's deadline; each attempt's timeout header is rewritten to the
 * time left, because connect-es wrote it once for the whole call.
 */
export function createRetryInterceptor(options: RetryOptions = {}): Interceptor {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryable = new Set(options.retryableCodes ?? DEFAULT_RETRYABLE_CODES);
  const minAttemptTime = options.minAttemptTimeMs ?? DEFAULT_MIN_ATTEMPT_TIME;
  const now = options.now ?? Date.now;
  const budget = resolveRetryBudget(options.budget);
  const snapshotHeader = options.snapshotHeader ?? true;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }

  const shouldRetry = (error: ConnectError): boolean =>
    retryable.has(error.code) && !(error.cause instanceof BrokenCircuitError);

  // A plain function with one `then` for the first attempt (see callNext);
  // the async function `retryAfter` takes over only when it fails.
  return (next) => (req) => {
    let deadline: number | undefined;
    let original: Array<[string, string]> | undefined;
    try {
      budget?.recordRequest();
      // A call starts here: a contextValues object reused from an earlier call must not steer it.
      req.contextValues.delete(triedEndpointsKey);
      if (maxAttempts === 1 || !isRetryEligible(req)) return callNext(next, req);
      deadline = callDeadlineOf(req, now());
      if (snapshotHeader) original = [...req.header];
    } catch (error) {
      return Promise.reject(error);
    }
    // The first attempt goes out as the call came, with the call's own signal:
    // linking one for it (and, without snapshotHeader, copying the header:
    // 1.8 KB and a sort) cost more than the rest of this interceptor, and most
    // calls make only one attempt. Each attempt gets its own request object,
    // so that inner interceptors replacing fields of one leave the next alone.
    return callNext(next, { ...req }).then(undefined, (cause: unknown) => retryAfter(next, req, original, deadline, cause));
  };

  /**
   * retryAfter takes a call whose first attempt failed with `firstFailure`:
   * it throws that failure as a ConnectError when it is not to be retried, and
   * otherwise makes the later attempts, each after a backoff and with a copy
   * of the call's header carrying the time left, and a signal of its own.
   *
   * The copy is of `original` (see snapshotHeader), else of the header as the
   * first attempt left it: the inner interceptors and the transport run again
   * on every attempt and set what they set anew (connect-es's transport only
   * sets or deletes the content-encoding header).
   */
  async function retryAfter(
    next: Next,
    req: Parameters<Next>[0],
    original: Array<[string, string]> | undefined,
    deadline: number | undefined,
    firstFailure: unknown,
  ): ReturnType<Next> {
    let cause = firstFailure;
    // `cause` is the failure of attempt number `attempt`.
    for (let attempt = 1; ; attempt++) {
      const error = ConnectError.from(cause);
      if (attempt >= maxAttempts || req.signal.aborted || !shouldRetry(error)) throw error;
      const delayMs = retryDelay(error, attempt, deadline === undefined ? undefined : deadline - now());
      if (delayMs === undefined || (budget && !budget.tryWithdraw())) throw error;
      options.onRetry?.({ procedure: `${req.service.typeName}/${req.method.name}`, attempt: attempt + 1, error, delayMs });
      await abortableSleep(delayMs, req.signal);
      const header = new Headers(original ?? req.header);
      if (deadline !== undefined) writeTimeoutHeader(header, deadline - now());
      const attemptSignal = linkAbortSignal(req.signal);
      try {
        return await next({ ...req, header, signal: attemptSignal.signal });
      } catch (failure) {
        // Frees a failed retry's stream listeners before the next one, as
        // connect-es does when a call ends. (Those of a failed first attempt,
        // on the call's own signal, go when the call ends; connect-node
        // removes its own as soon as an attempt fails.)
        attemptSignal.controller.abort(ATTEMPT_ENDED);
        cause = failure;
      } finally {
        attemptSignal.unlink();
      }
    }
  }

  function retryDelay(error: ConnectError, attempt: number, remainingMs: number | undefined): number | undefined {
    const requested = retryDelayFromError(error);
    if (requested === undefined) {
      return delayWithinDeadline(computeBackoff(attempt - 1, options.backoff), remainingMs, { minAttemptTime });
    }
    // The server's delay is a floor: if it does not fit, there is no retry.
    const fitted = delayWithinDeadline(requested, remainingMs, { minAttemptTime });
    return fitted === requested ? fitted : undefined;
  }
}
