/**
 * JobErrorCode names every way the job queues can fail, as a stable string;
 * the same strings go into the `dlq-error-code` header of dead-lettered jobs.
 */
export type JobErrorCode =
  /** The processor kept failing until its attempts were used up. */
  | 'JOB_FAILED'
  /** The processor threw UnrecoverableJobError: the job is dead-lettered without retries. */
  | 'UNRECOVERABLE'
  /** A job record could not be decoded (missing headers, unknown queue, bad payload). */
  | 'DECODE_FAILED'
  /** waitFor gave up before the job completed or was dead-lettered. */
  | 'WAIT_TIMEOUT'
  /** The job was dead-lettered; waitFor rejects with this code. */
  | 'DEAD_LETTERED'
  /** A dead-lettered job or a schedule was not found. */
  | 'NOT_FOUND'
  /** A dead-lettered job cannot be retried: its payload was cut to fit the dead-letter topic, or does not decode. */
  | 'DEAD_LETTER_UNREADABLE'
  /** An option is out of range (a cron pattern, a date, a concurrency). */
  | 'INVALID_OPTION'
  /** A scheduler could not write a due job and its tombstone (fenced by a new owner, or the broker failed); the owner fires it again. */
  | 'FIRE_FAILED'
  /** The job id view did not read its topic to the end in time (addJob with a jobId). */
  | 'CATCH_UP_TIMEOUT'
  /** The queue manager, worker, scheduler or queue events were closed. */
  | 'CLOSED';

/**
 * JobError is the error class of src/jobs; `code` is stable, the message is
 * for people, and `cause` keeps the underlying error.
 */
export class JobError extends Error {
  override readonly name: string = 'JobError';

  constructor(
    readonly code: JobErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
