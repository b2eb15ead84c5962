import { JobError } from './job-error.js';

/**
 * UnrecoverableJobError is thrown by a processor to say "retrying cannot
 * help" (invalid input, a permanent refusal): the job goes straight to the
 * dead-letter topic, whatever attempts are left (BullMQ's UnrecoverableError).
 */
export class UnrecoverableJobError extends JobError {
  override readonly name = 'UnrecoverableJobError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('UNRECOVERABLE', message, options);
  }
}
