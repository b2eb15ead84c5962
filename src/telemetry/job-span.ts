import { context, SpanKind, trace } from '@opentelemetry/api';
import type { KafkaHeaders } from './header-carriers.js';
import { extractKafkaContext } from './kafka-propagation.js';
import { meshMetrics } from './mesh-metrics.js';
import { MeshAttributes, MessagingAttributes } from './semantic-attributes.js';
import { runInSpan } from './span-outcome.js';
import { meshTracer } from './telemetry-scope.js';

/** JobOutcome is how one processing attempt of a job ended. */
export type JobOutcome = 'completed' | 'failed';

/** JobSpanOptions describe one processing attempt of a job. */
export interface JobSpanOptions {
  /** The queue's name (QueueNames), e.g. `payment-processing`. */
  queue: string;
  /** The job's name within the queue. */
  name: string;
  id: string;
  /** 1 for the first attempt. */
  attempt?: number;
  /**
   * The job record's headers: with them the span continues the trace of the
   * code that added the job; without, it is a child of the active span.
   */
  headers?: KafkaHeaders;
}

/**
 * withJobSpan runs one attempt of a job inside a CONSUMER span `job <queue>
 * <name>` (a child of the trace that added the job when its headers are
 * given), ends it when fn settles, and records `mesh.job.duration` and
 * `mesh.job.outcomes` by queue, name and outcome.
 */
export function withJobSpan<T>(options: JobSpanOptions, fn: () => T | Promise<T>): Promise<T> {
  const parent = options.headers ? extractKafkaContext(options.headers, context.active()) : context.active();
  const span = meshTracer().startSpan(
    `job ${options.queue} ${options.name}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MessagingAttributes.SYSTEM]: 'kafka',
        [MessagingAttributes.OPERATION_NAME]: 'process',
        [MeshAttributes.JOB_QUEUE]: options.queue,
        [MeshAttributes.JOB_NAME]: options.name,
        [MeshAttributes.JOB_ID]: options.id,
        ...(options.attempt === undefined ? {} : { [MeshAttributes.JOB_ATTEMPT]: options.attempt }),
      },
    },
    parent,
  );
  const start = performance.now();
  return context.with(trace.setSpan(parent, span), () =>
    runInSpan(span, fn, (error) => {
      const outcome: JobOutcome = error === undefined ? 'completed' : 'failed';
      span.setAttribute(MeshAttributes.JOB_OUTCOME, outcome);
      const attributes = { [MeshAttributes.JOB_QUEUE]: options.queue, [MeshAttributes.JOB_NAME]: options.name, [MeshAttributes.JOB_OUTCOME]: outcome };
      const m = meshMetrics();
      m.jobDuration.record(performance.now() - start, attributes);
      m.jobOutcomes.add(1, attributes);
    }),
  );
}
