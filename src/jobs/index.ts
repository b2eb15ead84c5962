// Public API of the job queues on Kafka: BullMQ-like roles (queue manager,
// worker, scheduler, queue events) over the shared plumbing of src/kafka and
// the dead-letter format of src/events.
//
// Guarantees, in short (details on each factory):
// - a job runs at least once; it runs again only after a crash or rebalance
//   hit it before its offset was committed (then in another process), or when
//   it was added twice by concurrent adds of one new jobId from two processes;
// - jobs of one key on one queue never overlap and start in add order (a
//   retried job re-enters the queue behind later jobs of its key);
// - a delayed job fires not before its time, once (one transaction writes the
//   job and the schedule's tombstone); a recurring job adds one job per tick,
//   with a job id derived from (schedule id, tick);
// - addJob with a jobId seen before, from any process, writes nothing.
export { QueueNames, type QueueName } from './queue-names.js';
export { JobNames, type JobName } from './job-names.js';
export { QueueSchemas, type JobData, type QueueSchema } from './queue-schemas.js';
export { JobError, type JobErrorCode } from './job-error.js';
export { UnrecoverableJobError } from './unrecoverable-job-error.js';
export { DEFAULT_JOB_ATTEMPTS, DEFAULT_JOB_BACKOFF, type AddJobOptions, type JobBackoff } from './job-options.js';
export { DEFAULT_RETRY_TIERS, pickRetryTier, retryTier, type RetryTier } from './retry-tiers.js';
export {
  JOB_DEAD_LETTER_RETENTION_MS,
  JOB_LIFECYCLE_RETENTION_MS,
  JOBS_TOPIC_PREFIX,
  jobTopics,
  jobTopicSpecs,
  lifecycleTopic,
  scheduleTopic,
  sharedJobTopicSpecs,
  type JobTopics,
} from './job-topics.js';
export { encodeJobHeaders, headerText, JobHeaders, readJobHeaders, type JobRecordInfo } from './job-headers.js';
export { readTopic, type TopicMessage } from './read-topic.js';
export { decodeLifecycleRecord, LIFECYCLE_DELIMITED_ENCODING, LIFECYCLE_RECORD_MAX_BYTES, LifecycleHeaders } from './lifecycle-record.js';
export type { LifecyclePublisher } from './lifecycle-publisher.js';
export { ScheduleHeaders } from './schedule-record.js';
export type { Job, JobProcessor } from './job.js';
export { createQueueBase, DEFAULT_JOBS_CLIENT_ID, type QueueBase, type QueueBaseOptions } from './queue-base.js';
export {
  DEFAULT_MAX_BUFFERED_JOBS,
  DEFAULT_WORKER_COMMIT_INTERVAL,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_HEARTBEAT_INTERVAL,
  DEFAULT_WORKER_SESSION_TIMEOUT,
  type WorkerOptions,
} from './worker-options.js';
export { createJobWorker, type Worker } from './worker.js';
export { createRetryRelay, RETRY_RELAY_MAX_WAIT_MS } from './retry-relay.js';
export {
  DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL,
  DEFAULT_SCHEDULER_SESSION_TIMEOUT,
  DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT,
  SCHEDULER_MAX_WAIT_MS,
  type SchedulerOptions,
} from './scheduler-options.js';
export { createJobScheduler, tickJobId, type Scheduler } from './scheduler.js';
export { createQueueEvents, DEFAULT_OUTCOME_CACHE_SIZE, DEFAULT_WAIT_FOR_TIMEOUT_MS, type QueueEvents, type QueueEventsOptions, type WaitForOptions } from './queue-events.js';
export type { DeadLetteredJob, JobCounts } from './dead-lettered-job.js';
export type { AddedJob, QueueManagerOptions, RecurringJob, RecurringJobOptions, ScheduledJob, ScheduleJobOptions } from './queue-manager-options.js';
export { createQueueManager, queueManager, type QueueManager } from './queue-manager.js';
