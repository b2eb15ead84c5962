import type { DedupeStore } from '../events/index.js';

/** WorkerOptions configures a queue's worker. */
export interface WorkerOptions {
  /**
   * Jobs run at the same time, over all partitions the worker owns (may exceed the partition count; jobs of one key still run one at a time, in order).
   * @defaultValue DEFAULT_WORKER_CONCURRENCY (1)
   */
  concurrency?: number;
  /**
   * Consumer group of the queue's workers.
   * @defaultValue `<main topic>.workers`
   */
  groupId?: string;
  /**
   * Jobs taken from Kafka and not finished yet (running, or waiting for their key or a slot); fetching stops above it.
   * @defaultValue max(DEFAULT_MAX_BUFFERED_JOBS (200), concurrency)
   */
  maxBufferedJobs?: number;
  /**
   * How often the offsets below the lowest unfinished job are committed besides after each finished job, in milliseconds.
   * @defaultValue DEFAULT_WORKER_COMMIT_INTERVAL (500)
   */
  commitInterval?: number;
  /** @defaultValue DEFAULT_WORKER_SESSION_TIMEOUT (30 000) */
  sessionTimeout?: number;
  /** @defaultValue DEFAULT_WORKER_HEARTBEAT_INTERVAL (3000) */
  heartbeatInterval?: number;
  /**
   * Remembers completed job ids, so a job redelivered after a rebalance or added twice is not run again.
   * @defaultValue createMemoryDedupeStore()
   */
  dedupeStore?: DedupeStore;
  /**
   * Also run the retry relay of the queue (moves due retries back to the main topic) in this process.
   * @defaultValue true
   */
  relayRetries?: boolean;
}

/** DEFAULT_WORKER_CONCURRENCY runs one job at a time, as BullMQ does. */
export const DEFAULT_WORKER_CONCURRENCY = 1;
/** DEFAULT_MAX_BUFFERED_JOBS bounds the memory and the redelivery after a crash. */
export const DEFAULT_MAX_BUFFERED_JOBS = 200;
/** DEFAULT_WORKER_COMMIT_INTERVAL bounds how many finished jobs a crash runs again. */
export const DEFAULT_WORKER_COMMIT_INTERVAL = 500;
/** DEFAULT_WORKER_SESSION_TIMEOUT is kafkajs's default. */
export const DEFAULT_WORKER_SESSION_TIMEOUT = 30_000;
/** DEFAULT_WORKER_HEARTBEAT_INTERVAL is kafkajs's default. */
export const DEFAULT_WORKER_HEARTBEAT_INTERVAL = 3000;
