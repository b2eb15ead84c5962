import type { QueueBaseOptions } from './queue-base.js';
import type { JobBackoff } from './job-options.js';

/** QueueManagerOptions configures createQueueManager (Kafka client, topic prefix, retry tiers, partitions). */
export type QueueManagerOptions = QueueBaseOptions;

/** ScheduleJobOptions configures scheduleJob. */
export interface ScheduleJobOptions {
  /** @defaultValue a random UUID */
  jobId?: string;
  /**
   * Id of the schedule, for cancelSchedule.
   * @defaultValue `delayed:<jobId>`
   */
  scheduleId?: string;
  /** @defaultValue DEFAULT_JOB_ATTEMPTS (3) */
  attempts?: number;
  /** @defaultValue DEFAULT_JOB_BACKOFF */
  backoff?: JobBackoff;
  /** Ordering key of the job, as in addJob. */
  key?: string;
}

/** RecurringJobOptions configures scheduleRecurringJob. */
export interface RecurringJobOptions {
  /** Id of the recurring schedule: scheduling again with the same id replaces it; removeRecurringJob(id) ends it. */
  id: string;
  /**
   * IANA time zone the pattern is read in.
   * @defaultValue UTC
   */
  tz?: string;
  /** @defaultValue DEFAULT_JOB_ATTEMPTS (3) */
  attempts?: number;
  /** @defaultValue DEFAULT_JOB_BACKOFF */
  backoff?: JobBackoff;
  /** Ordering key of every tick's job. */
  key?: string;
}

/** AddedJob says what addJob did. */
export interface AddedJob {
  jobId: string;
  queue: string;
  name: string;
  /** False when a job with this id was added before (nothing was written). */
  added: boolean;
  /** Set when the job was delayed: the schedule that will add it. */
  scheduleId?: string;
}

/** ScheduledJob says what scheduleJob wrote. */
export interface ScheduledJob {
  scheduleId: string;
  jobId: string;
  runAt: Date;
}

/** RecurringJob says what scheduleRecurringJob wrote. */
export interface RecurringJob {
  scheduleId: string;
  /** The next tick after now. */
  next: Date | undefined;
}
