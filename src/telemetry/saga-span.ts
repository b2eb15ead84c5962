import { context, SpanKind } from '@opentelemetry/api';
import type { KafkaHeaders } from './header-carriers.js';
import { extractKafkaContext } from './kafka-propagation.js';
import { meshMetrics } from './mesh-metrics.js';
import { MeshAttributes } from './semantic-attributes.js';
import { runInSpan } from './span-outcome.js';
import { meshTracer } from './telemetry-scope.js';

/** SagaSpanOptions name one saga instance. */
export interface SagaSpanOptions {
  /** The saga definition's name, e.g. `contract`. */
  saga: string;
  /** The instance id. */
  id: string;
  /**
   * Trace context saved with the saga (`injectKafkaHeaders({})` when it
   * started, kept in its saga-log record): a coordinator that resumes the
   * saga after a restart continues the original trace with it.
   * @defaultValue the active context
   */
  headers?: KafkaHeaders;
}

/** SagaStepSpanOptions name one step action of a saga instance. */
export interface SagaStepSpanOptions extends Omit<SagaSpanOptions, 'headers'> {
  step: string;
  /** Whether the step runs forward or undoes itself. */
  phase: 'execute' | 'compensate';
  /** 1 for the first attempt. */
  attempt?: number;
}

/** SagaOutcome is the final state of a saga instance. */
export type SagaOutcome = 'completed' | 'compensated' | 'failed' | 'timed_out';

/**
 * withSagaSpan runs a saga instance (or the part of it this process drives)
 * inside an INTERNAL span `saga <name>`, a child of the active span (or of
 * the saved `headers`), and
 * ends it when fn settles. Saga metrics are separate (recordSagaOutcome),
 * because a saga may outlive the process that started it.
 */
export function withSagaSpan<T>(options: SagaSpanOptions, fn: () => T | Promise<T>): Promise<T> {
  const parent = options.headers ? extractKafkaContext(options.headers, context.active()) : context.active();
  const span = meshTracer().startSpan(
    `saga ${options.saga}`,
    { kind: SpanKind.INTERNAL, attributes: { [MeshAttributes.SAGA_NAME]: options.saga, [MeshAttributes.SAGA_ID]: options.id } },
    parent,
  );
  return context.with(parent, () => runInSpan(span, fn));
}

/** withSagaStepSpan runs one step action inside an INTERNAL span `saga <name> <step> <phase>`, a child of the active (saga) span. */
export function withSagaStepSpan<T>(options: SagaStepSpanOptions, fn: () => T | Promise<T>): Promise<T> {
  const span = meshTracer().startSpan(`saga ${options.saga} ${options.step} ${options.phase}`, {
    kind: SpanKind.INTERNAL,
    attributes: {
      [MeshAttributes.SAGA_NAME]: options.saga,
      [MeshAttributes.SAGA_ID]: options.id,
      [MeshAttributes.SAGA_STEP]: options.step,
      [MeshAttributes.SAGA_PHASE]: options.phase,
      ...(options.attempt === undefined ? {} : { [MeshAttributes.SAGA_STEP_ATTEMPT]: options.attempt }),
    },
  });
  return runInSpan(span, fn);
}

/** recordSagaOutcome records a saga instance's final state on `mesh.saga.outcomes` and its life on `mesh.saga.duration`. */
export function recordSagaOutcome(saga: string, outcome: SagaOutcome, durationMs: number): void {
  const attributes = { [MeshAttributes.SAGA_NAME]: saga, [MeshAttributes.SAGA_OUTCOME]: outcome };
  const m = meshMetrics();
  m.sagaOutcomes.add(1, attributes);
  m.sagaDuration.record(durationMs, attributes);
}
