import { assertInteger, assertNumber } from './option-checks.js';

/** SlidingWindowOptions configures createSlidingWindow. */
export interface SlidingWindowOptions<K extends string> {
  /** Names of the counters the window keeps, such as `['successes', 'failures']`. */
  keys: readonly K[];
  /** Length of the window in milliseconds. */
  windowMs: number;
  /** Number of buckets the window is divided into; more buckets age data more smoothly. */
  buckets: number;
  /** Clock in milliseconds. */
  now: () => number;
  /** A snapshot from `toJSON()` to start from; ignored when its bucket size differs. */
  initial?: SlidingWindowSnapshot<K>;
}

/** SlidingWindowSnapshot is the serialisable content of a SlidingWindow: its live buckets. */
export interface SlidingWindowSnapshot<K extends string> {
  readonly bucketMs: number;
  readonly buckets: ReadonlyArray<{ readonly epoch: number; readonly counts: Readonly<Record<K, number>> }>;
}

/**
 * SlidingWindow counts events per key over the last `windowMs` milliseconds
 * using a fixed ring of time buckets, so memory stays constant whatever the
 * traffic. A bucket ages out as a whole: at any moment the window covers
 * between `buckets - 1` and `buckets` full bucket lengths.
 */
export interface SlidingWindow<K extends string> {
  /** add counts `amount` (default 1) events for `key` in the current bucket. */
  add(key: K, amount?: number): void;
  /** sum returns the number of events for `key` within the window. */
  sum(key: K): number;
  /** clear forgets every event. */
  clear(): void;
  /** toJSON returns the live buckets, for saving and restoring. */
  toJSON(): SlidingWindowSnapshot<K>;
}

interface Bucket<K extends string> {
  epoch: number;
  counts: Record<K, number>;
}

/** createSlidingWindow returns an empty (or restored) SlidingWindow. */
export function createSlidingWindow<K extends string>(options: SlidingWindowOptions<K>): SlidingWindow<K> {
  const { keys, windowMs, buckets: size, now } = options;
  assertNumber('windowMs', windowMs, Number.MIN_VALUE);
  assertInteger('buckets', size, 1);
  const bucketMs = windowMs / size;

  const zero = (): Record<K, number> => {
    const counts = {} as Record<K, number>;
    for (const key of keys) counts[key] = 0;
    return counts;
  };
  // epoch -Infinity marks a bucket that never held data.
  const ring: Bucket<K>[] = Array.from({ length: size }, () => ({ epoch: Number.NEGATIVE_INFINITY, counts: zero() }));
  const slot = (epoch: number): Bucket<K> => ring[((epoch % size) + size) % size]!;
  const currentEpoch = (): number => Math.floor(now() / bucketMs);
  // A bucket from the future (the clock went backwards) is treated as stale.
  const isLive = (bucket: Bucket<K>, current: number): boolean =>
    bucket.epoch <= current && current - bucket.epoch < size;

  if (options.initial && options.initial.bucketMs === bucketMs) {
    const current = currentEpoch();
    for (const saved of options.initial.buckets) {
      // Snapshots come from storage; skip anything that is not a bucket index.
      if (!Number.isInteger(saved.epoch)) continue;
      const bucket = { epoch: saved.epoch, counts: zero() };
      for (const key of keys) {
        const count = saved.counts[key];
        bucket.counts[key] = Number.isFinite(count) && count > 0 ? count : 0;
      }
      if (isLive(bucket, current)) Object.assign(slot(saved.epoch), bucket);
    }
  }

  return {
    add(key, amount = 1) {
      const epoch = currentEpoch();
      const bucket = slot(epoch);
      if (bucket.epoch !== epoch) {
        // The slot still holds a bucket from a previous lap of the ring.
        bucket.epoch = epoch;
        bucket.counts = zero();
      }
      bucket.counts[key] += amount;
    },
    sum(key) {
      const current = currentEpoch();
      let total = 0;
      for (const bucket of ring) {
        if (isLive(bucket, current)) total += bucket.counts[key];
      }
      return total;
    },
    clear() {
      for (const bucket of ring) {
        bucket.epoch = Number.NEGATIVE_INFINITY;
        bucket.counts = zero();
      }
    },
    toJSON() {
      const current = currentEpoch();
      return {
        bucketMs,
        buckets: ring
          .filter((bucket) => isLive(bucket, current))
          .sort((a, b) => a.epoch - b.epoch)
          .map((bucket) => ({ epoch: bucket.epoch, counts: { ...bucket.counts } })),
      };
    },
  };
}
