import type { IHeaders } from 'kafkajs';
import type { QueueName } from './queue-names.js';
import type { JobData } from './queue-schemas.js';

/** DeadLetteredJob is one job in a queue's dead-letter topic, as listDeadLetters returns it. */
export interface DeadLetteredJob<Q extends QueueName = QueueName> {
  jobId: string;
  queue: Q;
  name: string;
  /** The job's payload; undefined when it cannot be read back (see `unreadable`). */
  data: JobData<Q> | undefined;
  /**
   * Why `data` is missing: the payload or the job headers did not decode, or
   * the payload was cut to fit the dead-letter topic. Such a job cannot be
   * retried, only removed.
   */
  unreadable: string | undefined;
  /** Runs made before it was dead-lettered. */
  attempts: number;
  /** A JobErrorCode: JOB_FAILED, UNRECOVERABLE or DECODE_FAILED. */
  errorCode: string;
  errorMessage: string;
  failedAt: Date;
  /** The ordering key, when the job had one. */
  key: string | undefined;
  /** Times the job was already retried from the dead-letter topic. */
  redriveCount: number;
  headers: IHeaders;
}

/** JobCounts are a queue's counts (BullMQ's getJobCounts). */
export interface JobCounts {
  /** Records of the main topic the worker group has not committed yet (consumer lag): waiting, plus running and finished-above-a-gap ones. */
  waiting: number;
  /** Jobs running now in the workers of this queue manager. */
  active: number;
  /** Pending schedules of the queue (delayed and recurring), plus retries waiting in the retry topics. */
  delayed: number;
  /** Jobs in the dead-letter topic. */
  failed: number;
}
