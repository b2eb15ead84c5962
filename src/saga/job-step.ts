import type { SagaStep, StepContext, StepRetryPolicy } from './saga-definition.js';

/**
 * SagaJobQueue is what a job step needs from a job system: the shape of
 * src/jobs' `queueManager.addJob` and `queueEvents.waitFor`, narrowed so the
 * saga does not depend on it.
 */
export interface SagaJobQueue {
  /** addJob enqueues a job; adding an id the queue has seen before must be a no-op. */
  addJob(queue: string, name: string, data: unknown, options: { jobId: string }): Promise<unknown>;
  /** waitFor resolves with the job's outcome once it completed, and rejects when it failed for good (dead-lettered). */
  waitFor(jobId: string, options: { signal?: AbortSignal }): Promise<unknown>;
}

/** JobStepOptions describe a step that enqueues a job and awaits its completion. */
export interface JobStepOptions<I, R, Name extends string, D> {
  name: Name;
  jobs: SagaJobQueue;
  queue: string;
  jobName: string;
  /** data builds the job payload from the saga's input and earlier results. */
  data(ctx: StepContext<I, R>): D;
  compensate?: SagaStep<I, R, Name, JobStepResult>['compensate'];
  retry?: StepRetryPolicy;
  compensationRetry?: StepRetryPolicy;
  /** timeout bounds enqueue plus wait, in ms; a job is usually slower than a call. @defaultValue DEFAULT_STEP_TIMEOUT_MS */
  timeout?: number;
}

/** JobStepResult is a job step's result: the job id and the outcome waitFor resolved with. */
export interface JobStepResult {
  jobId: string;
  outcome: unknown;
}

/**
 * jobStep builds a step that enqueues a job and waits for it to complete.
 * The job id is the step's idempotency key, so a step repeated after a crash
 * adds nothing and waits for the same job.
 */
export function jobStep<I, R, const Name extends string, D>(options: JobStepOptions<I, R, Name, D>): SagaStep<I, R, Name, JobStepResult> {
  return {
    name: options.name,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.compensationRetry ? { compensationRetry: options.compensationRetry } : {}),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.compensate ? { compensate: options.compensate } : {}),
    async execute(ctx) {
      const jobId = ctx.idempotencyKey;
      await options.jobs.addJob(options.queue, options.jobName, options.data(ctx), { jobId });
      const outcome = await options.jobs.waitFor(jobId, { signal: ctx.signal });
      return { jobId, outcome: outcome === undefined ? null : outcome };
    },
  };
}
