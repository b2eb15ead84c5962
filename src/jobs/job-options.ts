import type { BackoffOptions } from '../resilience/index.js';

/** JobBackoff is how the delay before each retry grows (src/resilience's backoff, without an injected random source, since it travels with the job). */
export type JobBackoff = Omit<BackoffOptions, 'random'>;

/** AddJobOptions configures one job (BullMQ's JobsOptions, the parts that carry over). */
export interface AddJobOptions {
  /**
   * The job's id; adding a job with an id the queue has seen before is a no-op (see addJob).
   * @defaultValue a random UUID
   */
  jobId?: string;
  /**
   * Total runs before the job is dead-lettered (1 = no retry).
   * @defaultValue DEFAULT_JOB_ATTEMPTS (3)
   */
  attempts?: number;
  /** @defaultValue DEFAULT_JOB_BACKOFF */
  backoff?: JobBackoff;
  /** Run no earlier than this many milliseconds from now (through the durable scheduler). */
  delay?: number;
  /**
   * Ordering key: jobs of one queue with the same key never run at the same
   * time and start in the order they were added. It is also the record key.
   * @defaultValue none: the job runs independently of every other job
   */
  key?: string;
}

/** DEFAULT_JOB_ATTEMPTS is BullMQ-like: a first run and two retries. */
export const DEFAULT_JOB_ATTEMPTS = 3;

/**
 * DEFAULT_JOB_BACKOFF waits about 5 s, 30 s, 3 min, ... (×6 per attempt,
 * capped at 5 min), which lines up with the default retry tiers; `equal`
 * jitter keeps the growth while spreading a burst of failures.
 */
export const DEFAULT_JOB_BACKOFF: JobBackoff = { initialDelay: 5_000, multiplier: 6, maxDelay: 300_000, jitter: 'equal' };
