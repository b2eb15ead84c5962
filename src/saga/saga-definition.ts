import type { BackoffOptions } from '../resilience/index.js';
import type { SagaCodec } from './saga-codec.js';
import type { SagaCallOptions } from './saga-idempotency.js';
import type { SagaLogMode } from './saga-log-mode.js';

/** StepRetryPolicy says how often a step call is tried and how long to wait between tries. */
export interface StepRetryPolicy {
  /**
   * maxAttempts counts the first try.
   * @defaultValue DEFAULT_STEP_MAX_ATTEMPTS for execute, DEFAULT_COMPENSATION_MAX_ATTEMPTS for compensate
   */
  maxAttempts?: number;
  /** @defaultValue DEFAULT_STEP_BACKOFF */
  backoff?: BackoffOptions;
  /** handle says which errors are worth another try; others end the step at once. @defaultValue every error */
  handle?: (error: unknown) => boolean;
}

/** StepContext is what a step's execute and compensate receive. */
export interface StepContext<I, R> {
  readonly sagaId: string;
  readonly sagaName: string;
  /** startedAt is when the saga started (from its log): steps that await something published later look back to it after a restart. */
  readonly startedAt: Date;
  readonly input: I;
  /** results holds the results of the steps completed so far, by step name (and this step's own in compensate). */
  readonly results: Readonly<R>;
  readonly step: string;
  /** attempt counts this call's tries from 1; after a restart it continues from the log. */
  readonly attempt: number;
  /** idempotencyKey is `<saga_id>:<step>:<execute|compensate>`, equal on every attempt and after a restart. */
  readonly idempotencyKey: string;
  /** signal aborts on step timeout, saga timeout and coordinator stop; pass it on. */
  readonly signal: AbortSignal;
  /** callOptions returns Connect call options with the idempotency-key header and the signal. */
  callOptions(): SagaCallOptions;
}

/**
 * SagaStep is one step of a saga: `execute` does it and returns a result
 * that later steps read from `ctx.results[name]`; `compensate` undoes it.
 * Both must be idempotent under their key (ctx.callOptions()): after a crash
 * the coordinator repeats the call that was in flight.
 */
export interface SagaStep<I, R, Name extends string, T> {
  readonly name: Name;
  execute(ctx: StepContext<I, R>): Promise<T>;
  /** compensate undoes a completed step; steps without one are skipped when compensating. */
  compensate?(ctx: StepContext<I, R & { readonly [K in Name]: T }>, result: T): Promise<void>;
  /** retry of execute. @defaultValue { maxAttempts: DEFAULT_STEP_MAX_ATTEMPTS, backoff: DEFAULT_STEP_BACKOFF } */
  readonly retry?: StepRetryPolicy;
  /** compensationRetry of compensate. @defaultValue { maxAttempts: DEFAULT_COMPENSATION_MAX_ATTEMPTS, backoff: DEFAULT_STEP_BACKOFF } */
  readonly compensationRetry?: StepRetryPolicy;
  /** timeout bounds each attempt, in ms. @defaultValue DEFAULT_STEP_TIMEOUT_MS */
  readonly timeout?: number;
  /** codec writes the result into the saga log. @defaultValue jsonCodec() */
  readonly codec?: SagaCodec<T>;
  /**
   * outcomeUnknown says whether a failed execute may still have taken effect
   * (a timeout, a lost connection). Such a step with a compensation is not
   * marked FAILED: before compensating, the coordinator repeats execute under
   * the same key to learn its outcome, and compensates it if it took effect.
   * @defaultValue isOutcomeUnknown
   */
  readonly outcomeUnknown?: (error: unknown) => boolean;
  /**
   * logMode `'write-ahead'` declares a step that must not run ahead of the
   * log (one that is not idempotent under its key, or whose effect must be
   * known to the log before it happens): it is called only once its
   * STEP_STARTED is durable, and the next step only once its completion is.
   * `'pipelined'` lets it run ahead even when the coordinator writes ahead.
   * @defaultValue the coordinator's logMode (DEFAULT_SAGA_LOG_MODE)
   */
  readonly logMode?: SagaLogMode;
}

/** AnySagaStep is a step with its types erased, as the coordinator holds them. */
export type AnySagaStep = SagaStep<any, any, string, any>;

/** SagaDefinition describes a saga from input I to output O; build one with defineSaga. */
export interface SagaDefinition<I, O> {
  readonly name: string;
  /** version is a positive integer; sagas keep running on the version they started with. */
  readonly version: number;
  readonly steps: readonly AnySagaStep[];
  /** timeout bounds the forward part of a saga, in ms; past it the saga compensates. @defaultValue DEFAULT_SAGA_TIMEOUT_MS */
  readonly timeout?: number;
  /** persist writes every transition to the saga log; false runs the saga in memory only (not recoverable). @defaultValue true */
  readonly persist?: boolean;
  /** inputCodec writes the input into the saga log. @defaultValue jsonCodec() */
  readonly inputCodec?: SagaCodec<I>;
  /** output builds the saga's output from its input and every step's result. */
  output(input: I, results: Readonly<Record<string, unknown>>): O;
  /** Phantom marker so a definition carries its input type. */
  readonly __input?: (input: I) => void;
}

/** AnySagaDefinition is a definition with its types erased, as the registry and the coordinator hold them. */
export type AnySagaDefinition = SagaDefinition<any, any>;

/** SagaOptions are the parts of a SagaDefinition besides its steps and output. */
export type SagaOptions<I> = Pick<SagaDefinition<I, unknown>, 'name' | 'version' | 'timeout' | 'persist' | 'inputCodec'>;

/** SagaBuilder adds steps one by one; each step sees the typed results of the steps before it. */
export interface SagaBuilder<I, R> {
  /** step appends a step; its result joins `results` under its name. */
  step<Name extends string, T>(step: SagaStep<I, R, Name, T>): SagaBuilder<I, R & { readonly [K in Name]: T }>;
  /** output ends the definition with the function that builds the saga's output. */
  output<O>(build: (input: I, results: Readonly<R>) => O): SagaDefinition<I, O>;
}

/**
 * defineSaga starts a typed saga definition:
 *
 *   defineSaga<Input>({ name: 'x', version: 1 })
 *     .step({ name: 'a', execute: async (ctx) => ({ id: '1' }) })
 *     .step({ name: 'b', execute: async (ctx) => ctx.results.a.id })
 *     .output((input, results) => results.b)
 */
export function defineSaga<I>(options: SagaOptions<I>): SagaBuilder<I, {}> {
  return builder<I, {}>(options, []);
}

function builder<I, R>(options: SagaOptions<I>, steps: readonly AnySagaStep[]): SagaBuilder<I, R> {
  return {
    step: (step) => builder(options, [...steps, step as AnySagaStep]),
    output: (build) => ({ ...options, steps, output: build as SagaDefinition<I, ReturnType<typeof build>>['output'] }),
  };
}

/** SagaInput is the input type of a definition. */
export type SagaInput<D> = D extends SagaDefinition<infer I, unknown> ? I : never;
/** SagaOutput is the output type of a definition. */
export type SagaOutput<D> = D extends SagaDefinition<unknown, infer O> ? O : never;
