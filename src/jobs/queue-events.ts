import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { IHeaders } from 'kafkajs';
import { JobLifecycleEvent_State, type JobLifecycleEvent } from '../../gen/mesh/v1/job_pb.js';
import { createConsumerRunner } from '../kafka/index.js';
import { openAssignedReader } from '../replay/assigned-reader.js';
import type { Disposable } from '../resilience/index.js';
import { ListenerSet } from '../resilience/listener-set.js';
import { JobError } from './job-error.js';
import { decodeLifecycleRecord } from './lifecycle-record.js';
import type { QueueBase } from './queue-base.js';

/** WaitForOptions configures QueueEvents.waitFor. */
export interface WaitForOptions {
  /**
   * Give up after this many milliseconds with a WAIT_TIMEOUT JobError.
   * @defaultValue DEFAULT_WAIT_FOR_TIMEOUT_MS (60 000)
   */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Ignore outcomes published before this time (e.g. when waiting for a job retried from the dead-letter topic, whose earlier outcome is remembered).
   * @defaultValue any remembered outcome counts
   */
  since?: Date;
  /**
   * Also look for an outcome published from this time on, before this QueueEvents started following: the lifecycle
   * topic is read from the offsets of that time up to its end once (lookups waiting at the same time share one read).
   * For a recovering saga coordinator, whose job may have finished while no process was following (pass the saga's start).
   * @defaultValue only outcomes seen while following count
   */
  lookback?: Date;
}

/** QueueEventsOptions configures createQueueEvents. */
export interface QueueEventsOptions {
  /**
   * Read the lifecycle topic from its start (its retention, JOB_LIFECYCLE_RETENTION_MS) instead of its end, so outcomes
   * published before this process started are remembered too (up to DEFAULT_OUTCOME_CACHE_SIZE jobs): for a recovering
   * saga that re-adds a job by id (added: false) and must learn the outcome of the earlier run.
   * @defaultValue false
   */
  fromBeginning?: boolean;
}

/** DEFAULT_WAIT_FOR_TIMEOUT_MS is how long waitFor waits by default. */
export const DEFAULT_WAIT_FOR_TIMEOUT_MS = 60_000;
/** DEFAULT_OUTCOME_CACHE_SIZE is how many finished jobs QueueEvents remembers, so a waitFor called just after the outcome still sees it. */
export const DEFAULT_OUTCOME_CACHE_SIZE = 10_000;

/** QueueEvents follows the lifecycle topic (BullMQ's QueueEvents): every job of every queue, from the moment it joined. */
export interface QueueEvents {
  /** waitUntilReady resolves once it follows the topic; outcomes published after that are seen (before it too, with `fromBeginning`, once read). */
  waitUntilReady(): Promise<void>;
  /**
   * waitFor resolves with the COMPLETED event of `jobId`, or rejects with a
   * JobError: DEAD_LETTERED (the job's last error as message), WAIT_TIMEOUT, or CLOSED.
   */
  waitFor(jobId: string, options?: WaitForOptions): Promise<JobLifecycleEvent>;
  /** on calls `listener` with every lifecycle event. */
  on(listener: (event: JobLifecycleEvent) => void): Disposable;
  close(): Promise<void>;
}

interface Waiter {
  resolve(event: JobLifecycleEvent): void;
  reject(error: JobError): void;
}

/**
 * createQueueEvents starts following the lifecycle topic through the shared
 * consumer runner, in a group of its own (every instance sees every event),
 * starting at the topic's end (or start, see QueueEventsOptions); the group is deleted on close.
 */
export function createQueueEvents(base: QueueBase, options: QueueEventsOptions = {}): QueueEvents {
  const groupId = `${base.lifecycleTopic}.events-${randomUUID()}`;
  const listeners = new ListenerSet<JobLifecycleEvent>();
  const outcomes = new LRUCache<string, JobLifecycleEvent>({ max: DEFAULT_OUTCOME_CACHE_SIZE });
  const waiters = new Map<string, Set<Waiter>>();

  function settle(waiter: Waiter, event: JobLifecycleEvent): void {
    if (event.state === JobLifecycleEvent_State.COMPLETED) waiter.resolve(event);
    else waiter.reject(new JobError('DEAD_LETTERED', event.error || `job ${event.jobId} was dead-lettered`));
  }

  // A malformed record is skipped: followers only observe, and the job's outcome is not theirs to hold up.
  function decode(value: Buffer | null, headers: IHeaders | undefined): JobLifecycleEvent[] {
    try {
      return decodeLifecycleRecord(value, headers);
    } catch {
      return [];
    }
  }

  function remember(event: JobLifecycleEvent): void {
    // A job running again (retried from the dead-letter topic) makes its remembered outcome stale.
    if (event.state === JobLifecycleEvent_State.ACTIVE) outcomes.delete(event.jobId);
    if (event.state !== JobLifecycleEvent_State.COMPLETED && event.state !== JobLifecycleEvent_State.DEAD_LETTERED) return;
    outcomes.set(event.jobId, event);
    const waiting = waiters.get(event.jobId);
    waiters.delete(event.jobId);
    for (const waiter of waiting ?? []) settle(waiter, event);
  }

  const runner = createConsumerRunner(base.kafka, {
    groupId,
    topics: [base.lifecycleTopic],
    fromBeginning: options.fromBeginning ?? false,
    handler: async (record) => {
      for (const event of decode(record.value, record.headers)) {
        listeners.emit(event);
        remember(event);
      }
    },
  });
  const started = base.ensureShared().then(() => runner.start());
  started.catch(() => undefined);
  let closed = false;

  // Lookbacks asked while a read runs wait for the next one, which starts from the earliest time asked.
  let lookbackRunning: Promise<void> | undefined;
  let lookbackNext: { from: number; done: Promise<void> } | undefined;

  async function readLookback(from: number): Promise<void> {
    // Following first: the live consumer then covers everything after the end offsets taken below.
    await started;
    const admin = await base.admin();
    const [marks, found] = await Promise.all([base.topicOffsets(base.lifecycleTopic), admin.fetchTopicOffsetsByTimestamp(base.lifecycleTopic, from)]);
    const starts = new Map(found.map(({ partition, offset }) => [partition, BigInt(offset)]));
    const partitions = marks
      .map(({ partition, low, high }) => {
        const start = starts.get(partition) ?? BigInt(low);
        return { topic: base.lifecycleTopic, partition, start: start < BigInt(low) ? BigInt(low) : start, end: BigInt(high) };
      })
      .filter(({ start, end }) => end > start);
    if (partitions.length === 0) return;
    const reader = await openAssignedReader({
      kafka: base.kafka,
      admin,
      groupIdPrefix: `${base.lifecycleTopic}.lookback`,
      partitions,
      onBatch: async ({ messages }) => {
        for (const message of messages) {
          // Only outcomes: an old ACTIVE must not drop an outcome the live consumer already remembered.
          for (const event of decode(message.value, message.headers)) if (event.state !== JobLifecycleEvent_State.ACTIVE) remember(event);
        }
      },
    });
    try {
      await reader.finished;
    } finally {
      await reader.close();
    }
  }

  function lookback(from: number): Promise<void> {
    if (!lookbackRunning) {
      lookbackRunning = readLookback(from).finally(() => {
        lookbackRunning = undefined;
      });
      return lookbackRunning;
    }
    if (lookbackNext) {
      lookbackNext.from = Math.min(lookbackNext.from, from);
      return lookbackNext.done;
    }
    const next: { from: number; done: Promise<void> } = { from, done: Promise.resolve() };
    next.done = lookbackRunning
      .catch(() => undefined)
      .then(() => {
        lookbackNext = undefined;
        return lookback(next.from);
      });
    lookbackNext = next;
    return next.done;
  }

  return {
    waitUntilReady: () => started,
    waitFor(jobId, options = {}) {
      if (closed) return Promise.reject(new JobError('CLOSED', 'the queue events were closed'));
      return new Promise<JobLifecycleEvent>((resolve, reject) => {
        const remembered = outcomes.get(jobId);
        const known = remembered && (!options.since || (remembered.at ? timestampMs(remembered.at) : 0) >= options.since.getTime()) ? remembered : undefined;
        const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_TIMEOUT_MS;
        let timer: NodeJS.Timeout | undefined;
        const cleanup = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          const set = waiters.get(jobId);
          set?.delete(waiter);
          if (set?.size === 0) waiters.delete(jobId);
        };
        const waiter: Waiter = {
          resolve: (event) => (cleanup(), resolve(event)),
          reject: (error) => (cleanup(), reject(error)),
        };
        const onAbort = () => waiter.reject(new JobError('WAIT_TIMEOUT', `waiting for job ${jobId} was aborted`, { cause: options.signal?.reason }));
        if (known) return settle(waiter, known);
        if (options.signal?.aborted) return onAbort();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        timer = setTimeout(() => waiter.reject(new JobError('WAIT_TIMEOUT', `job ${jobId} did not finish within ${timeoutMs} ms`)), timeoutMs);
        let set = waiters.get(jobId);
        if (!set) waiters.set(jobId, (set = new Set()));
        set.add(waiter);
        // A failed read leaves the waiter to the live consumer and its timeout.
        if (options.lookback) lookback(Math.max(options.lookback.getTime(), options.since?.getTime() ?? 0)).catch(() => undefined);
      });
    },
    on: (listener) => listeners.subscribe(listener),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const set of [...waiters.values()]) for (const waiter of [...set]) waiter.reject(new JobError('CLOSED', 'the queue events were closed'));
      await started.catch(() => undefined);
      await runner.stop();
      const admin = await base.admin().catch(() => undefined);
      await admin?.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}
