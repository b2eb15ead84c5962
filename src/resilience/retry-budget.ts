import { assertInteger, assertNumber, withoutUndefined } from './option-checks.js';
import { createSlidingWindow } from './sliding-window.js';

/** DEFAULT_RETRY_RATIO is the share of original requests that may be retried (Linkerd's default). */
export const DEFAULT_RETRY_RATIO = 0.2;
/** DEFAULT_MIN_RETRIES_PER_SECOND is the retry floor that lets low-traffic targets retry at all. */
export const DEFAULT_MIN_RETRIES_PER_SECOND = 10;
/** DEFAULT_RETRY_BUDGET_TTL_MS is how long, in milliseconds, requests and retries count against the budget. */
export const DEFAULT_RETRY_BUDGET_TTL_MS = 10_000;
/** DEFAULT_RETRY_BUDGET_BUCKETS is the number of time buckets the TTL window is divided into. */
export const DEFAULT_RETRY_BUDGET_BUCKETS = 10;

/** RetryBudgetOptions configures createRetryBudget. */
export interface RetryBudgetOptions {
  /**
   * Retries allowed per original request, in addition to the floor.
   * @defaultValue DEFAULT_RETRY_RATIO (0.2)
   */
  retryRatio?: number;
  /**
   * Retries per second allowed regardless of traffic.
   * @defaultValue DEFAULT_MIN_RETRIES_PER_SECOND (10)
   */
  minRetriesPerSecond?: number;
  /**
   * Window, in milliseconds, over which requests and retries are counted.
   * @defaultValue DEFAULT_RETRY_BUDGET_TTL_MS (10 000)
   */
  ttlMs?: number;
  /**
   * Number of buckets in the window.
   * @defaultValue DEFAULT_RETRY_BUDGET_BUCKETS (10)
   */
  buckets?: number;
  /**
   * Clock in milliseconds; injectable for tests.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** RetryBudgetStats is what a RetryBudget holds right now. */
export interface RetryBudgetStats {
  /** Original requests recorded in the window. */
  readonly requests: number;
  /** Retries withdrawn in the window. */
  readonly retries: number;
  /** Most retries the window may hold: `retryRatio × requests + minRetriesPerSecond × ttl seconds`. */
  readonly allowance: number;
  /** Retries that may still be withdrawn now. */
  readonly available: number;
}

/**
 * RetryBudget caps the retries sent to one target as a share of its original
 * requests (Finagle and Linkerd style), so that retries cannot multiply the
 * load on a target that is already failing. Keep one per target.
 */
export interface RetryBudget {
  /** recordRequest counts one original request; do not call it for retries. */
  recordRequest(): void;
  /** tryWithdraw returns true and counts a retry if the budget allows one, false otherwise. */
  tryWithdraw(): boolean;
  /** stats is the content of the current window. */
  readonly stats: RetryBudgetStats;
}

const defaults = {
  retryRatio: DEFAULT_RETRY_RATIO,
  minRetriesPerSecond: DEFAULT_MIN_RETRIES_PER_SECOND,
  ttlMs: DEFAULT_RETRY_BUDGET_TTL_MS,
  buckets: DEFAULT_RETRY_BUDGET_BUCKETS,
  now: Date.now,
} satisfies Required<RetryBudgetOptions>;

/**
 * createRetryBudget returns a RetryBudget that allows a retry only while the
 * retries in the TTL window, this one included, stay within
 * `retryRatio × requests in the window + minRetriesPerSecond × ttlMs / 1000`.
 */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const { retryRatio, minRetriesPerSecond, ttlMs, buckets, now } = { ...defaults, ...withoutUndefined(options) };
  assertNumber('retryRatio', retryRatio, 0);
  assertNumber('minRetriesPerSecond', minRetriesPerSecond, 0);
  assertNumber('ttlMs', ttlMs, Number.MIN_VALUE);
  assertInteger('buckets', buckets, 1);

  const floor = minRetriesPerSecond * (ttlMs / 1000);
  const window = createSlidingWindow({ keys: ['requests', 'retries'], windowMs: ttlMs, buckets, now });

  const stats = (): RetryBudgetStats => {
    const requests = window.sum('requests');
    const retries = window.sum('retries');
    const allowance = retryRatio * requests + floor;
    // Floor: a fractional allowance grants no fractional retry.
    return { requests, retries, allowance, available: Math.max(0, Math.floor(allowance - retries)) };
  };

  return {
    recordRequest() {
      window.add('requests');
    },
    tryWithdraw() {
      if (stats().available < 1) return false;
      window.add('retries');
      return true;
    },
    get stats() {
      return stats();
    },
  };
}
