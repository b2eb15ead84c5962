import { create } from '@bufbuild/protobuf';
import { SagaStatus, SagaStepStatus, SagaTransition_Kind as Kind, SagaTransitionSchema, type Saga, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import { computeBackoff } from '../resilience/index.js';
import { jsonCodec, type SagaCodec } from './saga-codec.js';
import { DEFAULT_COMPENSATION_MAX_ATTEMPTS, DEFAULT_SAGA_TIMEOUT_MS, DEFAULT_STEP_BACKOFF, DEFAULT_STEP_MAX_ATTEMPTS, DEFAULT_STEP_TIMEOUT_MS } from './saga-defaults.js';
import type { AnySagaDefinition, AnySagaStep, StepContext, StepRetryPolicy } from './saga-definition.js';
import { errorMessage, SagaError } from './saga-error.js';
import { inDoubtSteps } from './in-doubt-steps.js';
import { isOutcomeUnknown } from './outcome-unknown.js';
import { sagaCallOptions, sagaIdempotencyKey, type SagaPhase } from './saga-idempotency.js';
import type { SagaLogAppendOptions, SagaLogEntry } from './saga-log.js';
import { DEFAULT_SAGA_LOG_LINGER_MS, DEFAULT_SAGA_LOG_MODE, DEFAULT_SAGA_LOG_SEND_EARLY, type SagaLogMode } from './saga-log-mode.js';
import type { SagaResult } from './saga-result.js';
import { applySagaTransition, msOf, timestampOf } from './saga-state.js';
import { runStepAttempt, sleepUntilRetry } from './step-attempt.js';

/** SagaExecutionDeps is what one saga execution needs from its coordinator. */
export interface SagaExecutionDeps {
  definition: AnySagaDefinition;
  /**
   * persist writes transitions and their snapshots, all or none; it rejects
   * when the write failed. Writes issued one after the other become durable
   * in that order (the saga log group-commits them per partition, in order).
   * With `commitWithinMs` the write may wait that long for its commit; a
   * write without it commits it too (an empty one only does that).
   */
  persist(entries: readonly SagaLogEntry[], options?: SagaLogAppendOptions): Promise<void>;
  /** logMode of the steps that do not declare one. @defaultValue DEFAULT_SAGA_LOG_MODE */
  logMode?: SagaLogMode;
  /** lingerMs is how long, in background mode, a transition may wait before it is committed. @defaultValue DEFAULT_SAGA_LOG_LINGER_MS */
  lingerMs?: number;
  /** sendEarly sends, in background mode, a linger window's first transitions before they must be committed. @defaultValue DEFAULT_SAGA_LOG_SEND_EARLY */
  sendEarly?: boolean;
  /**
   * logOpen says whether the saga's log partition has an open transaction
   * (SagaLog.isOpen). The early send is skipped then: it exists to open the
   * transaction before the saga's end, and into an open one it would only
   * add a Produce. Without it, the early send always goes.
   */
  logOpen?: () => boolean;
  /** stop aborts the execution without writing anything (coordinator stopping, partition lost). */
  stop: AbortSignal;
  /** observe sees every transition once it is persisted. */
  observe(saga: Saga, transition: SagaTransition): void;
}

/** SagaExecutionState is a saga as the coordinator holds it: the snapshot and sequence in the saga log, and transitions not written yet. */
export interface SagaExecutionState {
  saga: Saga;
  sequence: bigint;
  /** staged transitions go out with the execution's first write (a new saga's STARTED rides with its first STEP_STARTED). */
  staged?: SagaLogEntry[];
  /**
   * settled is true when this process drove the saga to `saga` and no step
   * ran past it. Otherwise (read back from the log, or left by an execution
   * that threw) the step after the last recorded one may have run unlogged
   * (a pipelined log lags by one step; a background one by any number) and
   * is in doubt: see inDoubtSteps.
   */
  settled?: boolean;
  /**
   * ranAhead is true once a run in background mode wrote the saga (read back
   * from the SAGA_RAN_AHEAD_HEADER): steps may have run ahead of the log by
   * more than one step. It stays true for the saga's life, so a later owner
   * in another mode still resolves every step that may have run.
   */
  ranAhead?: boolean;
}

const codecOf = (step: AnySagaStep): SagaCodec<unknown> => step.codec ?? jsonCodec();
const inputCodecOf = (definition: AnySagaDefinition): SagaCodec<unknown> => definition.inputCodec ?? jsonCodec();

/** startedTransition builds the STARTED transition of a new saga. */
export function startedTransition(sagaId: string, definition: AnySagaDefinition, input: unknown, at: number): SagaTransition {
  return create(SagaTransitionSchema, {
    sagaId,
    name: definition.name,
    definitionVersion: definition.version,
    kind: Kind.STARTED,
    output: inputCodecOf(definition).encode(input),
    at: timestampOf(at),
    sequence: 1n,
  });
}

/** sagaResultOf reads the result of a finished saga from its snapshot; output is rebuilt when the definition is known. */
export function sagaResultOf(saga: Saga, definition: AnySagaDefinition | undefined): SagaResult {
  const sagaId = saga.sagaId;
  switch (saga.status) {
    case SagaStatus.COMPLETED: {
      if (!definition) return { sagaId, status: 'completed' };
      const { input, results } = decodeSaga(saga, definition);
      return { sagaId, status: 'completed', output: definition.output(input, results) };
    }
    case SagaStatus.COMPENSATED:
      return { sagaId, status: 'compensated', error: saga.error };
    default:
      return { sagaId, status: 'failed', error: saga.error };
  }
}

function decodeSaga(saga: Saga, definition: AnySagaDefinition): { input: unknown; results: Record<string, unknown> } {
  const results: Record<string, unknown> = {};
  for (const record of saga.steps) {
    const step = definition.steps[record.index];
    const hasResult = record.status === SagaStepStatus.COMPLETED || record.status === SagaStepStatus.COMPENSATING || record.status === SagaStepStatus.COMPENSATED;
    if (step && hasResult) results[step.name] = codecOf(step).decode(record.output);
  }
  return { input: inputCodecOf(definition).decode(saga.input), results };
}

/**
 * executeSaga drives a saga from whatever its snapshot says to its end:
 * forward through the steps not completed yet (a step the log shows as
 * started is repeated under the same idempotency key), then, if a step
 * failed or the saga timed out, back through the completed steps'
 * compensations in reverse order (a step that may have run unlogged is
 * resolved and compensated too: see resolveInDoubt). Write-ahead, every
 * transition is persisted before the next action; pipelined, a first-attempt
 * step call may overlap the commit of the transitions before it, one step at
 * most; in background mode first-attempt calls do not wait for the log
 * (see SagaLogMode). In every mode the result is returned only once every
 * transition is durable. It rejects when `stop` aborts or a write fails: the
 * saga is then left to whichever coordinator owns it next.
 */
export async function executeSaga(state: SagaExecutionState, deps: SagaExecutionDeps): Promise<SagaResult> {
  const { definition } = deps;
  const { input, results } = decodeSaga(state.saga, definition);
  const deadline = msOf(state.saga.startedAt) + (definition.timeout ?? DEFAULT_SAGA_TIMEOUT_MS);

  // `view` runs ahead of `state` by the transitions not durable yet.
  // Transitions are staged as they happen and flushed, together, right
  // before the next action (a step or compensation call) and at the end, so
  // a step costs one transaction, not two.
  let view = state.staged?.at(-1)?.snapshot ?? state.saga;
  let viewSequence = state.staged?.at(-1)?.transition.sequence ?? state.sequence;
  // A new saga's STARTED stays in state.staged until written, so a run that failed to write it can be retried.
  let staged: SagaLogEntry[] = [...(state.staged ?? [])];

  const stage = (kind: Kind, fields: Partial<Pick<SagaTransition, 'stepName' | 'stepIndex' | 'attempt' | 'output' | 'error'>> = {}) => {
    const transition = create(SagaTransitionSchema, {
      sagaId: view.sagaId,
      name: definition.name,
      definitionVersion: definition.version,
      kind,
      ...fields,
      at: timestampOf(Date.now()),
      sequence: viewSequence + 1n,
    });
    view = applySagaTransition(view, transition);
    viewSequence = transition.sequence;
    staged.push({ snapshot: view, transition });
  };

  // `durable` resolves once everything flushed so far is in the log; `state`
  // follows it, so it always holds a prefix of the saga's log. Flushes are
  // issued at once (the log group-commits them) and observed in order.
  let durable: Promise<void> = Promise.resolve();
  // Background mode: staged transitions are committed at the latest lingerMs after the first of them.
  let lingerTimer: NodeJS.Timeout | undefined;
  const modeOf = (step: AnySagaStep | undefined) => step?.logMode ?? deps.logMode ?? DEFAULT_SAGA_LOG_MODE;
  // Read before this run marks the saga: what the log says about the runs that wrote it.
  const loggedAhead = state.ranAhead === true;
  if (definition.steps.some((step) => modeOf(step) === 'background')) state.ranAhead = true;
  // Resolves once the saga's STARTED is durable; a step with a compensation never runs before.
  let startDurable: Promise<void> | undefined = state.sequence > 0n ? Promise.resolve() : undefined;
  // Background mode: a write sent with commitWithinMs that only a later write (or the log's bound) commits.
  let uncommitted = false;
  const write = (commitWithinMs: number): Promise<void> => {
    if (staged.length === 0 && !(uncommitted && commitWithinMs === 0)) return durable;
    uncommitted = commitWithinMs > 0;
    const entries = state.ranAhead ? staged.map((entry) => ({ ...entry, ranAhead: true })) : staged;
    const snapshot = view;
    const sequence = viewSequence;
    staged = [];
    const written = deps.persist(entries, commitWithinMs > 0 ? { commitWithinMs } : undefined);
    durable = Promise.all([durable, written]).then(() => {
      state.staged = undefined;
      state.saga = snapshot;
      state.sequence = sequence;
      for (const entry of entries) deps.observe(entry.snapshot, entry.transition);
    });
    // Whoever waits next sees a failure; an abandoned ticket must not crash the process.
    durable.catch(() => undefined);
    return durable;
  };
  const flush = (): Promise<void> => {
    if (deps.stop.aborted) throw deps.stop.reason;
    if (lingerTimer) clearTimeout(lingerTimer);
    lingerTimer = undefined;
    const ticket = write(0);
    startDurable ??= ticket;
    return ticket;
  };
  const flushSoon = () => {
    if (lingerTimer || staged.length === 0) return;
    const lingerMs = deps.lingerMs ?? DEFAULT_SAGA_LOG_LINGER_MS;
    const timer = setTimeout(() => {
      lingerTimer = undefined;
      if (!deps.stop.aborted) void flush();
    }, lingerMs);
    lingerTimer = timer;
    // What is staged goes into the partition's open transaction while the
    // steps run: the commit that ends the window (its last transition, or
    // the timer) then no longer has to open one (FindCoordinator,
    // AddPartitionsToTxn) on the saga's critical path. Sent once the
    // current step call is under way, and not at all when the window
    // ended first (steps that do not wait on I/O finish a saga at once),
    // nor when another saga already opened the transaction (logOpen).
    if (deps.sendEarly ?? DEFAULT_SAGA_LOG_SEND_EARLY) {
      setImmediate(() => {
        if (lingerTimer === timer && !deps.stop.aborted && deps.logOpen?.() !== true) void write(lingerMs);
      });
    }
  };

  const commit = async () => {
    if (deps.stop.aborted) throw deps.stop.reason;
    await flush();
  };

  // What a pipelined call waits for: the log up to the previous step call's STEP_STARTED.
  let behindOneStep: Promise<void> = Promise.resolve();
  // The steps that may have run without a record (see inDoubtSteps); compensation resolves them first.
  let inDoubt = state.settled ? undefined : inDoubtSteps(view, definition, loggedAhead);
  const stillInDoubt = () => inDoubt !== undefined && (view.steps[inDoubt.to]?.status ?? SagaStepStatus.PENDING) === SagaStepStatus.PENDING;

  const record = async (kind: Kind, fields: Parameters<typeof stage>[1] = {}) => {
    stage(kind, fields);
    await commit();
  };

  const contextOf = (step: AnySagaStep, phase: SagaPhase, attempt: number, signal: AbortSignal): StepContext<unknown, Record<string, unknown>> => {
    const idempotencyKey = sagaIdempotencyKey(state.saga.sagaId, step.name, phase);
    return {
      sagaId: state.saga.sagaId,
      sagaName: definition.name,
      startedAt: new Date(msOf(state.saga.startedAt)),
      input,
      results,
      step: step.name,
      attempt,
      idempotencyKey,
      signal,
      callOptions: () => sagaCallOptions(idempotencyKey, signal),
    };
  };

  const isStop = (error: unknown) => deps.stop.aborted || (error instanceof SagaError && (error.code === 'FENCED' || error.code === 'LOG_WRITE_FAILED' || error.code === 'NOT_OWNER'));

  async function forward(): Promise<string | undefined> {
    for (let index = 0; index < definition.steps.length; index++) {
      const step = definition.steps[index]!;
      const known = view.steps[index];
      if (known?.status === SagaStepStatus.COMPLETED) continue;
      // Failed, but the crash came before COMPENSATING was written.
      if (known?.status === SagaStepStatus.FAILED) return `step ${step.name} failed: ${known.error}`;
      if (Date.now() >= deadline) return `saga timed out before step ${step.name}`;
      const policy = retryOf(step.retry, DEFAULT_STEP_MAX_ATTEMPTS);
      // A step the log shows as started may have taken effect: it gets one more try under its key whatever its count.
      const previous = known?.attempts ?? 0;
      const limit = Math.max(policy.maxAttempts, known?.status === SagaStepStatus.RUNNING ? previous + 1 : 0);
      let lastError: unknown;
      let done = false;
      for (let attempt = previous + 1; attempt <= limit && !done; attempt++) {
        stage(Kind.STEP_STARTED, { stepName: step.name, stepIndex: index, attempt });
        // Pipelined: this call overlaps the commit of the previous step's
        // completion, but waits for the log to be at most one step behind.
        // Background: it waits only, if it has a compensation, for the
        // saga's start; the log catches up within the linger. A retry, a
        // repeat after a restart, a first pipelined step that may need
        // undoing and a step next to a write-ahead one wait for the log.
        const afterWriteAhead = index > 0 && definition.steps[index - 1]!.logMode === 'write-ahead';
        const mode = attempt === 1 && !afterWriteAhead ? modeOf(step) : 'write-ahead';
        if (mode === 'background') {
          // Nothing that may need undoing runs before the saga is in the log.
          if (step.compensate) {
            if (!startDurable) void flush();
            await startDurable;
          }
          flushSoon();
          behindOneStep = durable;
        } else {
          const pipelined = mode === 'pipelined' && (index > 0 || !step.compensate);
          const ticket = flush();
          await (pipelined ? behindOneStep : ticket);
          behindOneStep = ticket;
        }
        try {
          const result = await runStepAttempt((signal) => step.execute(contextOf(step, 'execute', attempt, signal)), {
            timeoutMs: step.timeout ?? DEFAULT_STEP_TIMEOUT_MS,
            deadline,
            stop: deps.stop,
          });
          stage(Kind.STEP_COMPLETED, { stepName: step.name, stepIndex: index, attempt, output: codecOf(step).encode(result) });
          results[step.name] = result;
          done = true;
        } catch (error) {
          if (isStop(error)) throw error;
          lastError = error;
          if (error instanceof SagaError && error.code === 'SAGA_TIMEOUT') break;
          if (!policy.handle(error)) break;
          if (attempt < limit) {
            try {
              await sleepUntilRetry(computeBackoff(attempt - 1, policy.backoff), { deadline, stop: deps.stop });
            } catch (sleepError) {
              if (isStop(sleepError)) throw sleepError;
              lastError = sleepError;
              break;
            }
          }
        }
      }
      if (!done) {
        const reason = `step ${step.name} failed: ${errorMessage(lastError)}`;
        // A step that may have taken effect stays RUNNING: compensation first learns its outcome (resolveOutcome).
        if (!(step.compensate && (step.outcomeUnknown ?? isOutcomeUnknown)(lastError))) {
          stage(Kind.STEP_FAILED, { stepName: step.name, stepIndex: index, attempt: view.steps[index]?.attempts ?? 0, error: errorMessage(lastError) });
        }
        return reason;
      }
    }
    return undefined;
  }

  /**
   * resolveOutcome repeats a step whose outcome is unknown under its key:
   * the service returns the first call's outcome, or applies the step now
   * (which compensation then undoes). 'done' stages STEP_COMPLETED; a
   * refusal means it never took effect; still unknown after the step's
   * retries, it is left RUNNING.
   */
  async function resolveOutcome(index: number, step: AnySagaStep): Promise<'done' | 'not-done' | { unknown: unknown }> {
    const policy = retryOf(step.retry, DEFAULT_STEP_MAX_ATTEMPTS);
    const unknown = step.outcomeUnknown ?? isOutcomeUnknown;
    let lastError: unknown;
    for (let tries = 1; tries <= policy.maxAttempts; tries++) {
      const attempt = (view.steps[index]?.attempts ?? 0) + 1;
      await record(Kind.STEP_STARTED, { stepName: step.name, stepIndex: index, attempt });
      try {
        const result = await runStepAttempt((signal) => step.execute(contextOf(step, 'execute', attempt, signal)), {
          timeoutMs: step.timeout ?? DEFAULT_STEP_TIMEOUT_MS,
          stop: deps.stop,
        });
        stage(Kind.STEP_COMPLETED, { stepName: step.name, stepIndex: index, attempt, output: codecOf(step).encode(result) });
        results[step.name] = result;
        return 'done';
      } catch (error) {
        if (isStop(error)) throw error;
        if (!unknown(error)) {
          stage(Kind.STEP_FAILED, { stepName: step.name, stepIndex: index, attempt, error: errorMessage(error) });
          return 'not-done';
        }
        lastError = error;
        if (tries < policy.maxAttempts) await sleepUntilRetry(computeBackoff(tries - 1, policy.backoff), { stop: deps.stop });
      }
    }
    return { unknown: lastError };
  }

  /**
   * resolveInDoubt settles a step that may have run unlogged before the
   * steps are compensated: the step before it is resolved first (the in-doubt
   * step can have run only if that one completed, and its execute needs that
   * result), then the in-doubt step is repeated under its key, which returns
   * its first result if it ran or applies it now; either way it is then
   * COMPLETED and compensated like any other. A refusal means it never took
   * effect. An outcome still unknown ends the saga FAILED; resume tries again.
   */
  async function resolveInDoubt(): Promise<SagaResult | undefined> {
    if (!stillInDoubt()) return undefined;
    const { from, to } = inDoubt!;
    for (let at = Math.max(0, from - 1); at <= to; at++) {
      const step = definition.steps[at]!;
      if (view.steps[at]?.status === SagaStepStatus.COMPLETED) continue;
      const outcome = await resolveOutcome(at, step);
      if (outcome === 'not-done') break;
      if (outcome !== 'done') {
        const error = `the outcome of step ${step.name} is unknown: ${errorMessage(outcome.unknown)}`;
        await record(Kind.FAILED, { stepIndex: at, error });
        return { sagaId: view.sagaId, status: 'failed', error };
      }
    }
    inDoubt = undefined;
    return undefined;
  }

  async function compensate(reason: string): Promise<SagaResult> {
    if (view.status !== SagaStatus.COMPENSATING) stage(Kind.COMPENSATING, { error: reason, stepIndex: view.currentStep });
    const unresolved = await resolveInDoubt();
    if (unresolved) return unresolved;
    for (let index = view.steps.length - 1; index >= 0; index--) {
      const step = definition.steps[index];
      if (!step?.compensate) continue;
      if (view.steps[index]!.status === SagaStepStatus.RUNNING) {
        const outcome = await resolveOutcome(index, step);
        if (outcome === 'not-done') continue;
        if (outcome !== 'done') {
          const error = `the outcome of step ${step.name} is unknown: ${errorMessage(outcome.unknown)}`;
          // No step name: the step stays RUNNING, so resume() tries to learn its outcome again.
          await record(Kind.FAILED, { stepIndex: index, error });
          return { sagaId: view.sagaId, status: 'failed', error };
        }
      }
      const known = view.steps[index]!;
      if (known.status !== SagaStepStatus.COMPLETED && known.status !== SagaStepStatus.COMPENSATING) continue;
      const policy = retryOf(step.compensationRetry, DEFAULT_COMPENSATION_MAX_ATTEMPTS);
      let lastError: unknown;
      let done = false;
      await commit();
      for (let attempt = 1; attempt <= policy.maxAttempts && !done; attempt++) {
        try {
          const undo = step.compensate.bind(step);
          await runStepAttempt((signal) => undo(contextOf(step, 'compensate', attempt, signal), results[step.name]), {
            timeoutMs: step.timeout ?? DEFAULT_STEP_TIMEOUT_MS,
            stop: deps.stop,
          });
          done = true;
        } catch (error) {
          if (isStop(error)) throw error;
          lastError = error;
          if (!policy.handle(error)) break;
          if (attempt < policy.maxAttempts) await sleepUntilRetry(computeBackoff(attempt - 1, policy.backoff), { stop: deps.stop });
        }
      }
      if (!done) {
        const error = `compensation of step ${step.name} failed: ${errorMessage(lastError)}`;
        await record(Kind.FAILED, { stepName: step.name, stepIndex: index, error });
        return { sagaId: view.sagaId, status: 'failed', error };
      }
      stage(Kind.STEP_COMPENSATED, { stepName: step.name, stepIndex: index });
    }
    await record(Kind.COMPENSATED, { error: view.error });
    return { sagaId: view.sagaId, status: 'compensated', error: view.error };
  }

  async function run(): Promise<SagaResult> {
    if (view.status === SagaStatus.COMPENSATING || view.status === SagaStatus.FAILED) {
      return compensate(view.error);
    }
    if (view.status === SagaStatus.COMPLETED || view.status === SagaStatus.COMPENSATED) {
      return sagaResultOf(view, definition);
    }
    const failure = await forward();
    if (failure !== undefined) return compensate(failure);
    // The outcome is reported only once the final transition is durable.
    await record(Kind.COMPLETED);
    return { sagaId: view.sagaId, status: 'completed', output: definition.output(input, results) };
  }

  try {
    const result = await run();
    state.settled = !stillInDoubt();
    return result;
  } catch (error) {
    // Calls may have run past what reached the log: the next execution treats the steps after it as in doubt.
    state.settled = false;
    throw error;
  } finally {
    if (lingerTimer) clearTimeout(lingerTimer);
    lingerTimer = undefined;
  }
}

const handleEvery = () => true;

function retryOf(policy: StepRetryPolicy | undefined, defaultAttempts: number): Required<StepRetryPolicy> {
  return { maxAttempts: Math.max(1, policy?.maxAttempts ?? defaultAttempts), backoff: policy?.backoff ?? DEFAULT_STEP_BACKOFF, handle: policy?.handle ?? handleEvery };
}
