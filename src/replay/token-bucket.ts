import { abortableSleep } from '../resilience/index.js';
import { ReplayError, ReplayErrorCode } from './replay-error.js';

/** TokenBucketOptions configures createTokenBucket. */
export interface TokenBucketOptions {
  /** Tokens added per second; must be > 0. */
  ratePerSecond: number;
  /**
   * Tokens that may be taken at once after an idle period.
   * @defaultValue DEFAULT_TOKEN_BUCKET_BURST
   */
  burst?: number;
  /** Clock in milliseconds, for tests. @defaultValue performance.now */
  now?: () => number;
}

/** DEFAULT_TOKEN_BUCKET_BURST keeps a replay close to its rate from the first record. */
export const DEFAULT_TOKEN_BUCKET_BURST = 1;

/** TokenBucket hands out tokens at a fixed rate; `take` waits until its tokens are available. */
export interface TokenBucket {
  take(count?: number, signal?: AbortSignal): Promise<void>;
}

/**
 * createTokenBucket returns a token bucket in its virtual-scheduling form
 * (GCRA): it tracks when the next token is due instead of counting tokens, so
 * a timer that fires late does not lose tokens, and a batch larger than the
 * burst simply waits for its share of time. N tokens taken from a fresh bucket
 * therefore take at least (N - burst) / rate seconds.
 */
export function createTokenBucket({ ratePerSecond, burst = DEFAULT_TOKEN_BUCKET_BURST, now = () => performance.now() }: TokenBucketOptions): TokenBucket {
  if (!(ratePerSecond > 0) || !(burst >= 1)) {
    throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, `invalid rate limit: ${ratePerSecond}/s, burst ${burst}`);
  }
  const interval = 1000 / ratePerSecond;
  const tolerance = burst * interval;
  let nextDue = Number.NEGATIVE_INFINITY;
  return {
    async take(count = 1, signal) {
      const current = now();
      nextDue = Math.max(nextDue, current) + count * interval;
      const target = nextDue - tolerance;
      // Timers may fire a little early against a precise clock: check again, so the rate is a true bound.
      for (let wait = target - current; wait > 0; wait = target - now()) await abortableSleep(Math.ceil(wait), signal);
    },
  };
}
