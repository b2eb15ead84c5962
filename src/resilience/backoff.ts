import { assertInteger, assertNumber } from './option-checks.js';

// Written by hand rather than taken from cockatiel: its generators keep state
// between calls and call Math.random directly, while retries here need a pure
// function of the attempt number with an injectable random source.

/** Jitter selects how a backoff delay is randomised below its cap (see the AWS "Exponential Backoff and Jitter" article). */
export type Jitter = 'full' | 'equal' | 'none';

/** DEFAULT_INITIAL_DELAY is the cap of the first backoff delay, in milliseconds. */
export const DEFAULT_INITIAL_DELAY = 100;
/** DEFAULT_MAX_DELAY is the largest backoff delay, in milliseconds. */
export const DEFAULT_MAX_DELAY = 10_000;
/** DEFAULT_BACKOFF_MULTIPLIER is the factor by which the cap grows per attempt. */
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
/** DEFAULT_JITTER spreads retries over the whole [0, cap) range, which de-synchronises clients best. */
export const DEFAULT_JITTER: Jitter = 'full';
/** DEFAULT_MIN_ATTEMPT_TIME is the time, in milliseconds, an attempt needs before the deadline to be worth starting. */
export const DEFAULT_MIN_ATTEMPT_TIME = 10;

/** BackoffOptions configures computeBackoff. */
export interface BackoffOptions {
  /**
   * Cap of the delay before the first retry, in milliseconds.
   * @defaultValue DEFAULT_INITIAL_DELAY (100)
   */
  initialDelay?: number;
  /**
   * Upper bound of every delay, in milliseconds.
   * @defaultValue DEFAULT_MAX_DELAY (10 000)
   */
  maxDelay?: number;
  /**
   * Growth factor of the cap per attempt; at least 1.
   * @defaultValue DEFAULT_BACKOFF_MULTIPLIER (2)
   */
  multiplier?: number;
  /**
   * `full`: uniform in [0, cap); `equal`: uniform in [cap/2, cap); `none`: exactly cap.
   * @defaultValue DEFAULT_JITTER ('full')
   */
  jitter?: Jitter;
  /**
   * Source of uniform numbers in [0, 1); injectable for tests.
   * @defaultValue Math.random
   */
  random?: () => number;
}

/** DeadlineFitOptions configures delayWithinDeadline. */
export interface DeadlineFitOptions {
  /**
   * Time, in milliseconds, that must remain after the delay for an attempt to be worth making.
   * @defaultValue DEFAULT_MIN_ATTEMPT_TIME (10)
   */
  minAttemptTime?: number;
}

const defaults = {
  initialDelay: DEFAULT_INITIAL_DELAY,
  maxDelay: DEFAULT_MAX_DELAY,
  multiplier: DEFAULT_BACKOFF_MULTIPLIER,
  jitter: DEFAULT_JITTER,
  random: Math.random,
} satisfies Required<BackoffOptions>;

/**
 * computeBackoffCap returns the un-jittered delay for `attempt` (0 for the
 * delay before the first retry): `min(maxDelay, initialDelay × multiplier^attempt)`.
 * It never decreases as `attempt` grows.
 */
export function computeBackoffCap(attempt: number, options: BackoffOptions = {}): number {
  const initialDelay = options.initialDelay ?? defaults.initialDelay;
  const maxDelay = options.maxDelay ?? defaults.maxDelay;
  const multiplier = options.multiplier ?? defaults.multiplier;
  assertInteger('attempt', attempt, 0);
  assertNumber('initialDelay', initialDelay, 0);
  assertNumber('maxDelay', maxDelay, 0);
  assertNumber('multiplier', multiplier, 1);
  if (initialDelay === 0) {
    // 0 × Infinity would be NaN once multiplier^attempt overflows.
    return 0;
  }
  // multiplier^attempt may overflow to Infinity; min() absorbs it.
  return Math.min(maxDelay, initialDelay * multiplier ** attempt);
}

/**
 * computeBackoff returns the delay, in milliseconds, to wait before retry
 * number `attempt + 1` (pass 0 before the first retry): the exponential cap
 * from computeBackoffCap, randomised by the chosen jitter. The result is
 * always within [0, maxDelay].
 */
export function computeBackoff(attempt: number, options: BackoffOptions = {}): number {
  const cap = computeBackoffCap(attempt, options);
  const jitter = options.jitter ?? defaults.jitter;
  const random = options.random ?? defaults.random;
  // Clamp so a misbehaving random source cannot push the delay outside [0, cap].
  const r = Math.min(1, Math.max(0, random()));
  switch (jitter) {
    case 'none':
      return cap;
    case 'equal':
      // min(): with subnormal caps the sum can round one step past cap.
      return Math.min(cap, cap / 2 + (r * cap) / 2);
    case 'full':
      return r * cap;
    default:
      throw new RangeError(`jitter must be 'full', 'equal' or 'none', got ${String(jitter satisfies never)}`);
  }
}

/**
 * delayWithinDeadline fits a backoff `delay` into the time left before a
 * deadline. It returns the delay unchanged when an attempt of at least
 * `minAttemptTime` still fits after it, a shortened delay when only a shorter
 * wait leaves room for that attempt, and undefined when no attempt can fit at
 * all. `remainingMs` undefined means there is no deadline.
 */
export function delayWithinDeadline(
  delay: number,
  remainingMs: number | undefined,
  options: DeadlineFitOptions = {},
): number | undefined {
  const minAttemptTime = options.minAttemptTime ?? DEFAULT_MIN_ATTEMPT_TIME;
  assertNumber('delay', delay, 0);
  assertNumber('minAttemptTime', minAttemptTime, 0);
  if (remainingMs === undefined) {
    return delay;
  }
  const latestStart = remainingMs - minAttemptTime;
  // Written as negations so that NaN (a broken deadline computation) also
  // means "no time left"; an expired deadline never fits an attempt, even
  // with minAttemptTime 0.
  if (!(remainingMs > 0) || !(latestStart >= 0)) {
    return undefined;
  }
  return Math.min(delay, latestStart);
}
