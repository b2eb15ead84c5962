import { randomUUID } from 'node:crypto';
import { toBinary, type DescMessage } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ContextHeaders, getContext, newSpanId, writeContextHeaders } from '../context/index.js';
import type { OutgoingRecord } from '../kafka/index.js';
import type { DeadLetteredJob, JobCounts } from './dead-lettered-job.js';
import type { JobProcessor } from './job.js';
import { JobError } from './job-error.js';
import { encodeJobHeaders } from './job-headers.js';
import { createJobIdView, type JobIdView } from './job-id-view.js';
import { DEFAULT_JOB_ATTEMPTS, DEFAULT_JOB_BACKOFF, type AddJobOptions, type JobBackoff } from './job-options.js';
import { createQueueBase, type QueueBase } from './queue-base.js';
import { createQueueEvents, type QueueEvents, type QueueEventsOptions } from './queue-events.js';
import { jobCounts, listDeadLetters, removeDeadLetter, retryDeadLetter } from './queue-inspection.js';
import type {
  AddedJob,
  QueueManagerOptions,
  RecurringJob,
  RecurringJobOptions,
  ScheduledJob,
  ScheduleJobOptions,
} from './queue-manager-options.js';
import type { QueueName } from './queue-names.js';
import { QueueSchemas, type JobData } from './queue-schemas.js';
import { nextTickAfter, parseCron, ScheduleHeaders } from './schedule-record.js';
import { createJobScheduler, type Scheduler } from './scheduler.js';
import type { SchedulerOptions } from './scheduler-options.js';
import { createJobWorker, type Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';
import { sendTraced } from '../telemetry/producer-span.js';

/**
 * QueueManager is the producer side of the job queues (BullMQ's Queue) and
 * the factory of the other roles (workers, schedulers, queue events), which
 * all share its Kafka client, producer and topic prefix.
 */
export interface QueueManager {
  readonly topicPrefix: string;
  /**
   * addJob adds a job to `queue`; with `delay` it goes through the durable
   * scheduler. With a `jobId` the queue has seen before (from any process),
   * nothing is written and `added` is false.
   */
  addJob<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, options?: AddJobOptions): Promise<AddedJob>;
  /** scheduleJob adds a job to run at `date` (not before), through the schedule topic. */
  scheduleJob<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, date: Date, options?: ScheduleJobOptions): Promise<ScheduledJob>;
  /** cancelSchedule cancels a delayed job that has not fired yet (a tombstone). */
  cancelSchedule(scheduleId: string): Promise<void>;
  /** scheduleRecurringJob adds or replaces (by `options.id`) a job added on every tick of `cron` (5 fields, or 6 with seconds first). */
  scheduleRecurringJob<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, cron: string, options: RecurringJobOptions): Promise<RecurringJob>;
  /** removeRecurringJob ends a recurring job. */
  removeRecurringJob(id: string): Promise<void>;
  /** createWorker starts a worker of `queue`; see WorkerOptions. */
  createWorker<Q extends QueueName>(queue: Q, processor: JobProcessor<Q>, options?: WorkerOptions): Worker;
  /** createScheduler starts a scheduler instance (at least one must run somewhere for delayed and recurring jobs to fire). */
  createScheduler(options?: SchedulerOptions): Scheduler;
  /** createQueueEvents starts following job lifecycle events (for waitFor). */
  createQueueEvents(options?: QueueEventsOptions): QueueEvents;
  getJobCounts(queue: QueueName, options?: { groupId?: string }): Promise<JobCounts>;
  listDeadLetters<Q extends QueueName>(queue: Q): Promise<DeadLetteredJob<Q>[]>;
  retryDeadLetter(queue: QueueName, jobId: string): Promise<void>;
  removeDeadLetter(queue: QueueName, jobId: string): Promise<void>;
  /** close closes every role it created, then its connections. */
  close(): Promise<void>;
}

function checkAttempts(attempts: number): number {
  if (!Number.isInteger(attempts) || attempts < 1) throw new JobError('INVALID_OPTION', `attempts must be a positive integer, got ${attempts}`);
  return attempts;
}

/** createQueueManager returns a QueueManager; it connects on first use and creates each queue's topics then. */
export function createQueueManager(options: QueueManagerOptions = {}): QueueManager {
  const base: QueueBase = createQueueBase(options);
  const workers = new Set<Worker>();
  const schedulers = new Set<Scheduler>();
  const events = new Set<QueueEvents>();
  const views = new Map<string, Promise<JobIdView>>();
  const adding = new Set<string>();

  function view(queue: QueueName): Promise<JobIdView> {
    let pending = views.get(queue);
    if (!pending) {
      pending = createJobIdView(base, base.topics(queue).ids);
      pending.catch(() => views.delete(queue));
      views.set(queue, pending);
    }
    return pending;
  }

  function jobRecord<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, jobId: string, attempts: number, backoff: JobBackoff, key: string | undefined, scheduledAt?: number) {
    const schema = QueueSchemas[queue] as DescMessage;
    const headers = encodeJobHeaders(
      { jobId, queue, name, attempt: 1, maxAttempts: checkAttempts(attempts), key: key ?? '', ...(scheduledAt !== undefined ? { scheduledAt: timestampFromMs(scheduledAt) } : {}) },
      schema.typeName,
      backoff,
    );
    const context = getContext();
    if (context) {
      writeContextHeaders(context, { set: (name, value) => void (headers[name] = value) }, context.spanId ?? newSpanId());
      // A bearer token would outlive its expiry in the topic and the DLQ: the job carries identity, not credentials.
      delete headers[ContextHeaders.AUTHORIZATION];
    }
    return { key: key ?? jobId, value: Buffer.from(toBinary(schema, data as never)), headers };
  }

  function scheduleRecord<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, scheduleId: string, jobId: string, attempts: number, backoff: JobBackoff, key: string | undefined, extra: Record<string, string>, runAt?: number): OutgoingRecord {
    const job = jobRecord(queue, name, data, jobId, attempts, backoff, key, runAt);
    return { topic: base.scheduleTopic, key: scheduleId, value: job.value, headers: { ...job.headers, ...extra } };
  }

  async function scheduleJob<Q extends QueueName>(queue: Q, name: string, data: JobData<Q>, date: Date, opts: ScheduleJobOptions = {}): Promise<ScheduledJob> {
    base.assertOpen();
    const runAt = date.getTime();
    if (!Number.isFinite(runAt)) throw new JobError('INVALID_OPTION', 'scheduleJob needs a valid date');
    await base.ensureQueue(queue);
    const jobId = opts.jobId ?? randomUUID();
    const scheduleId = opts.scheduleId ?? `delayed:${jobId}`;
    const record = scheduleRecord(queue, name, data, scheduleId, jobId, opts.attempts ?? DEFAULT_JOB_ATTEMPTS, opts.backoff ?? DEFAULT_JOB_BACKOFF, opts.key, { [ScheduleHeaders.RUN_AT]: String(runAt) }, runAt);
    await base.producer().send([record]);
    return { scheduleId, jobId, runAt: new Date(runAt) };
  }

  async function tombstone(scheduleId: string): Promise<void> {
    base.assertOpen();
    await base.ensureShared();
    await base.producer().send([{ topic: base.scheduleTopic, key: scheduleId, value: null }]);
  }

  const manager: QueueManager = {
    topicPrefix: base.prefix,
    async addJob(queue, name, data, opts = {}) {
      base.assertOpen();
      await base.ensureQueue(queue);
      const jobId = opts.jobId ?? randomUUID();
      const attempts = opts.attempts ?? DEFAULT_JOB_ATTEMPTS;
      const backoff = opts.backoff ?? DEFAULT_JOB_BACKOFF;
      const topics = base.topics(queue);
      const write = async (): Promise<AddedJob> => {
        const idRecord: OutgoingRecord = { topic: topics.ids, key: jobId, value: Buffer.from(JSON.stringify({ name, addedAt: new Date().toISOString() })) };
        if (opts.delay !== undefined && opts.delay > 0) {
          const runAt = Date.now() + opts.delay;
          const scheduleId = `delayed:${jobId}`;
          const record = scheduleRecord(queue, name, data, scheduleId, jobId, attempts, backoff, opts.key, { [ScheduleHeaders.RUN_AT]: String(runAt) }, runAt);
          await sendTraced([record], ([traced]) => base.producer().send(opts.jobId === undefined ? [traced!] : [traced!, idRecord]));
          return { jobId, queue, name, added: true, scheduleId };
        }
        const record = { topic: topics.main, ...jobRecord(queue, name, data, jobId, attempts, backoff, opts.key) };
        // The job goes before its id in the same request: a crash between them can let a later add of the id through (a double the worker's dedupe drops), never lose the job.
        // A PRODUCER span for the job only: its traceparent in the record makes the worker's job span its child.
        await sendTraced([record], ([traced]) => base.producer().send(opts.jobId === undefined ? [traced!] : [traced!, idRecord]));
        return { jobId, queue, name, added: true };
      };
      if (opts.jobId === undefined) return write();
      const marker = `${queue}\u0000${jobId}`;
      if (adding.has(marker)) return { jobId, queue, name, added: false };
      adding.add(marker);
      try {
        const ids = await view(queue);
        if (await ids.has(jobId)) return { jobId, queue, name, added: false };
        const added = await write();
        ids.remember(jobId);
        return added;
      } finally {
        adding.delete(marker);
      }
    },
    scheduleJob,
    cancelSchedule: tombstone,
    async scheduleRecurringJob(queue, name, data, cron, opts) {
      base.assertOpen();
      if (!opts.id) throw new JobError('INVALID_OPTION', 'scheduleRecurringJob needs an id');
      const parsed = parseCron(cron, opts.tz);
      await base.ensureQueue(queue);
      const extra: Record<string, string> = { [ScheduleHeaders.CRON]: cron };
      if (opts.tz) extra[ScheduleHeaders.TIME_ZONE] = opts.tz;
      const record = scheduleRecord(queue, name, data, opts.id, opts.id, opts.attempts ?? DEFAULT_JOB_ATTEMPTS, opts.backoff ?? DEFAULT_JOB_BACKOFF, opts.key, extra);
      await base.producer().send([record]);
      const next = nextTickAfter(parsed, Date.now());
      return { scheduleId: opts.id, next: next === undefined ? undefined : new Date(next) };
    },
    removeRecurringJob: tombstone,
    createWorker(queue, processor, workerOptions) {
      base.assertOpen();
      const worker = createJobWorker(base, queue, processor, workerOptions);
      workers.add(worker);
      return worker;
    },
    createScheduler(schedulerOptions) {
      base.assertOpen();
      const scheduler = createJobScheduler(base, schedulerOptions);
      schedulers.add(scheduler);
      return scheduler;
    },
    createQueueEvents(eventsOptions) {
      base.assertOpen();
      const created = createQueueEvents(base, eventsOptions);
      events.add(created);
      return created;
    },
    getJobCounts(queue, countOptions = {}) {
      const main = base.topics(queue).main;
      const groupId = countOptions.groupId ?? `${main}.workers`;
      let active = 0;
      for (const worker of workers) if (worker.queue === queue && worker.groupId === groupId) active += worker.activeCount();
      return jobCounts(base, queue, groupId, `${main}.retry-relay`, active);
    },
    listDeadLetters: (queue) => listDeadLetters(base, queue),
    retryDeadLetter: (queue, jobId) => retryDeadLetter(base, queue, jobId),
    removeDeadLetter: (queue, jobId) => removeDeadLetter(base, queue, jobId),
    async close() {
      await Promise.all([...workers].map((worker) => worker.close()));
      await Promise.all([...schedulers].map((scheduler) => scheduler.close()));
      await Promise.all([...events].map((queueEvents) => queueEvents.close()));
      for (const pending of views.values()) await (await pending.catch(() => undefined))?.close().catch(() => undefined);
      await base.close();
    },
  };
  return manager;
}

/** queueManager is the process's default QueueManager (KAFKA_BROKERS or the local broker, no topic prefix); nothing connects until it is used. */
export const queueManager: QueueManager = createQueueManager();
