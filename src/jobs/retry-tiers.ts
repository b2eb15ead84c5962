import { JobError } from './job-error.js';

/** RetryTier is one retry topic: jobs whose retry delay is at most `delayMs` (and above the previous tier's) wait there. */
export interface RetryTier {
  /** Topic suffix after `.retry.`, e.g. `5s`. */
  name: string;
  delayMs: number;
}

/** DEFAULT_RETRY_TIERS are the retry topics `.retry.5s`, `.retry.30s` and `.retry.5m`. */
export const DEFAULT_RETRY_TIERS: readonly RetryTier[] = [
  { name: '5s', delayMs: 5_000 },
  { name: '30s', delayMs: 30_000 },
  { name: '5m', delayMs: 300_000 },
];

/** retryTier builds a RetryTier named after its delay (`1500` → `1500ms`, `5000` → `5s`, `300000` → `5m`). */
export function retryTier(delayMs: number): RetryTier {
  if (!Number.isInteger(delayMs) || delayMs <= 0) throw new JobError('INVALID_OPTION', `a retry tier delay must be a positive integer of milliseconds, got ${delayMs}`);
  const name = delayMs % 60_000 === 0 ? `${delayMs / 60_000}m` : delayMs % 1000 === 0 ? `${delayMs / 1000}s` : `${delayMs}ms`;
  return { name, delayMs };
}

/**
 * pickRetryTier returns the smallest tier whose delay covers `delayMs` (the
 * largest tier for longer delays). A retry record waits in its tier until
 * its own due time, so records of one tier can hold each other up by at
 * most the width of the tier, never by the delays of other tiers.
 */
export function pickRetryTier(tiers: readonly RetryTier[], delayMs: number): RetryTier {
  const sorted = [...tiers].sort((a, b) => a.delayMs - b.delayMs);
  return sorted.find((tier) => tier.delayMs >= delayMs) ?? sorted[sorted.length - 1]!;
}
