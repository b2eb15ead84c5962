import type { SagaStep, StepContext, StepRetryPolicy } from './saga-definition.js';

/**
 * SagaJobQueue is what a job step needs from a job system: the shape of
 * src/jobs' `queueManager.addJob` and `queueEvents.waitFor`, narrowed so the
 * saga does not depend on it.
 */
export interface SagaJobQueue {
  /** addJob enqueues a job; adding an id the queue has seen before must be a no-op that answers `added: false`. */
  addJob(queue: string, name: string, data: unknown, options: { jobId: string }): Promise<{ added?: boolean }>;
  /**
   * waitFor resolves with the job's outcome once it completed, and rejects when it failed for good (dead-lettered).
   * With `lookback` it must also find an outcome published since then, before it started following (src/jobs' `lookback`).
   */
  waitFor(jobId: string, options: { signal?: AbortSignal; lookback?: Date }): Promise<unknown>;
}

/**
 * awaitSagaJob enqueues a job under `jobId` and waits for its outcome. A job
 * added before (a step repeated after a restart) may have finished while no
 * coordinator followed: its outcome is looked up from the saga's start on.
 */
export async function awaitSagaJob(jobs: SagaJobQueue, ctx: StepContext<unknown, unknown>, queue: string, jobName: string, data: unknown, jobId: string): Promise<unknown> {
  const { added } = await jobs.addJob(queue, jobName, data, { jobId });
  return jobs.waitFor(jobId, added === false ? { signal: ctx.signal, lookback: ctx.startedAt } : { signal: ctx.signal });
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
      const outcome = await awaitSagaJob(options.jobs, ctx as StepContext<unknown, unknown>, options.queue, options.jobName, options.data(ctx), jobId);
      return { jobId, outcome: outcome === undefined ? null : outcome };
    },
  };
}
