import type { QueueEvents, QueueManager, QueueName } from '../jobs/index.js';
import type { SagaJobQueue } from './job-step.js';

/** SagaJobQueueOptions configure createSagaJobQueue. */
export interface SagaJobQueueOptions {
  /** manager adds the jobs. */
  manager: QueueManager;
  /** events follows their outcomes. @defaultValue manager.createQueueEvents(), created on first use */
  events?: QueueEvents;
  /** timeoutMs bounds one wait; the step's own timeout usually ends it first. @defaultValue DEFAULT_SAGA_JOB_WAIT_MS */
  timeoutMs?: number;
}

/** DEFAULT_SAGA_JOB_WAIT_MS bounds a wait for a job's outcome when the step's signal does not end it first (10 minutes). */
export const DEFAULT_SAGA_JOB_WAIT_MS = 600_000;

/**
 * createSagaJobQueue adapts src/jobs (a QueueManager and its QueueEvents) to
 * SagaJobQueue. The queue events are ready before the first job is added, so
 * an outcome is never published unseen between add and wait.
 */
export function createSagaJobQueue(options: SagaJobQueueOptions): SagaJobQueue {
  let events: Promise<QueueEvents> | undefined;
  const ready = () => {
    events ??= (async () => {
      const created = options.events ?? options.manager.createQueueEvents();
      await created.waitUntilReady();
      return created;
    })();
    events.catch(() => (events = undefined));
    return events;
  };
  const timeoutMs = options.timeoutMs ?? DEFAULT_SAGA_JOB_WAIT_MS;
  return {
    async addJob(queue, name, data, { jobId }) {
      await ready();
      // The step names a queue of src/jobs; its payload is that queue's message.
      return options.manager.addJob(queue as QueueName, name, data as never, { jobId });
    },
    async waitFor(jobId, { signal, lookback }) {
      const following = await ready();
      return following.waitFor(jobId, { timeoutMs, ...(signal ? { signal } : {}), ...(lookback ? { lookback } : {}) });
    },
  };
}
