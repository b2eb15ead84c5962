import type { JobMetadata } from '../../gen/mesh/v1/job_pb.js';
import type { QueueName } from './queue-names.js';
import type { JobData } from './queue-schemas.js';

/** Job is one run of a job as its processor sees it. */
export interface Job<Q extends QueueName = QueueName> {
  readonly id: string;
  readonly queue: Q;
  readonly name: string;
  readonly data: JobData<Q>;
  /** 1 for the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The ordering key, when the job has one. */
  readonly key: string | undefined;
  readonly metadata: JobMetadata;
  /** updateProgress publishes a PROGRESS lifecycle event with a percentage in [0, 100]. */
  updateProgress(progress: number): Promise<void>;
}

/**
 * JobProcessor runs one job. Returning completes it (the bytes, if any, are
 * the COMPLETED event's `result`); throwing fails the attempt, and throwing
 * UnrecoverableJobError dead-letters it at once.
 */
export type JobProcessor<Q extends QueueName = QueueName> = (job: Job<Q>) => Promise<Uint8Array | void>;
