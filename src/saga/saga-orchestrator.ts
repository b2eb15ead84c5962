import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { SagaStatus, type Saga, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import { ensureTopics } from '../kafka/index.js';
import { abortableSleep, computeBackoff, type Disposable } from '../resilience/index.js';
import { ListenerSet } from '../resilience/listener-set.js';
import type { AnySagaDefinition, AnySagaStep, SagaDefinition } from './saga-definition.js';
import { SagaError } from './saga-error.js';
import { executeSaga, sagaResultOf, startedTransition, type SagaExecutionState } from './saga-execution.js';
import { createSagaLog, type SagaLog, type SagaLogAppendOptions, type SagaLogEntry } from './saga-log.js';
import { readSagaStates } from './saga-log-reader.js';
import { DEFAULT_SAGA_LOG_MODE } from './saga-log-mode.js';
import {
  DEFAULT_SAGA_CLIENT_ID,
  DEFAULT_SAGA_GROUP_ID,
  DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS,
  DEFAULT_SAGA_REBALANCE_TIMEOUT_MS,
  DEFAULT_SAGA_SESSION_TIMEOUT_MS,
  type SagaOrchestratorOptions,
} from './saga-orchestrator-options.js';
import { createSagaKafka } from './saga-kafka.js';
import { injectKafkaHeaders } from '../telemetry/kafka-propagation.js';
import { recordSagaOutcome, withSagaSpan, withSagaStepSpan } from '../telemetry/saga-span.js';
import { SagaRegistry } from './saga-registry.js';
import type { SagaResult } from './saga-result.js';
import { applySagaTransition, isSagaFinished } from './saga-state.js';
import { DEFAULT_SAGA_PARTITIONS, DEFAULT_SAGA_TOPICS, sagaPartition, sagaTopicSpecs, type SagaTopics } from './saga-topics.js';

/** ASSIGNMENT_MAX_ATTEMPTS bounds the tries of taking over newly assigned partitions. */
const ASSIGNMENT_MAX_ATTEMPTS = 10;
/** LOG_WRITE_MAX_ATTEMPTS bounds how often a saga is run again after its saga-log write failed. */
const LOG_WRITE_MAX_ATTEMPTS = 10;
/** ASSIGNMENT_BACKOFF spaces those tries (and the runs after a failed write). */
const ASSIGNMENT_BACKOFF = { initialDelay: 200, maxDelay: 5_000 };

/** ExecuteOptions tune one execute call. */
export interface ExecuteOptions {
  /** sagaId makes execute idempotent: a known id returns that saga's result instead of starting another. @defaultValue a new UUID in a partition this coordinator owns */
  sagaId?: string;
}

/** SagaTransitionEvent is one persisted transition and the snapshot it produced. */
export interface SagaTransitionEvent {
  saga: Saga;
  transition: SagaTransition;
}

/** SagaFilter narrows list(). */
export interface SagaFilter {
  status?: SagaStatus;
  name?: string;
}

/** SagaOrchestrator registers saga definitions and drives their instances durably (see createSagaOrchestrator). */
export interface SagaOrchestrator {
  /** register adds a definition (name + version); sagas of older versions found in the log keep running on theirs. */
  register(definition: AnySagaDefinition): void;
  /** start provisions the saga log, joins the coordinators' group and recovers the sagas of the partitions it gets; execute calls it. */
  start(): Promise<void>;
  /** execute runs a new saga on the latest version of a definition and resolves when it ends. */
  execute<I, O>(definition: SagaDefinition<I, O>, input: I, options?: ExecuteOptions): Promise<SagaResult<O>>;
  execute<O = unknown>(name: string, input: unknown, options?: ExecuteOptions): Promise<SagaResult<O>>;
  /** resume drives a FAILED saga's compensation again (or a saga whose definition was missing when it was recovered). */
  resume(sagaId: string): Promise<SagaResult>;
  /** waitFor resolves when a saga this coordinator owns ends (at once if it already has). */
  waitFor(sagaId: string, options?: { signal?: AbortSignal }): Promise<SagaResult>;
  /** get returns the snapshot of a saga of an owned partition. */
  get(sagaId: string): Saga | undefined;
  /** list returns the snapshots of the owned partitions' sagas, newest first. */
  list(filter?: SagaFilter): Saga[];
  /** partitions returns the saga-log partitions this coordinator owns. */
  partitions(): number[];
  /** partitionCount is the saga log's partition count, known once started (0 before). */
  partitionCount(): number;
  /** topics are the saga log's topics. */
  readonly topics: SagaTopics;
  /** onTransition hears every transition once it is in the saga log. */
  onTransition(listener: (event: SagaTransitionEvent) => void): Disposable;
  /** stop stops driving sagas (without writing anything: the next owner continues them), leaves the group and disconnects. */
  stop(): Promise<void>;
}

interface Entry {
  state: SagaExecutionState;
  partition: number;
  controller: AbortController;
  running?: Promise<SagaResult>;
  /** traceHeaders are the trace context the saga started in, written with every snapshot so a recovering coordinator continues the trace. */
  traceHeaders?: Record<string, string>;
}

/** tracedDefinition runs every step action of `definition` inside a saga-step span (a child of the saga span). */
function tracedDefinition(definition: AnySagaDefinition): AnySagaDefinition {
  const saga = definition.name;
  return {
    ...definition,
    steps: definition.steps.map((step) => {
      const compensate = step.compensate;
      return {
        ...step,
        execute: (ctx) => withSagaStepSpan({ saga, id: ctx.sagaId, step: step.name, phase: 'execute', attempt: ctx.attempt }, () => step.execute(ctx)),
        ...(compensate
          ? { compensate: (ctx, result) => withSagaStepSpan({ saga, id: ctx.sagaId, step: step.name, phase: 'compensate', attempt: ctx.attempt }, () => compensate.call(step, ctx, result)) }
          : {}),
      } satisfies AnySagaStep;
    }),
  };
}

/**
 * createSagaOrchestrator returns a saga coordinator on Kafka.
 *
 * Ownership: coordinators join one consumer group over the compacted state
 * topic; the partitions a coordinator is assigned are the sagas it drives.
 * On assignment it claims each new partition's transactional producer (which
 * fences the previous owner and aborts its open transaction), reads the
 * partition's snapshots, and continues every unfinished saga. New sagas get
 * an id that hashes to an owned partition.
 *
 * Durability: transitions and the snapshots they produce go to the history
 * and state topics in Kafka transactions. By default (`logMode:
 * 'background'`) the steps run ahead of the log, which group-commits their
 * transitions within `logLingerMs`; `'write-ahead'` writes them before the
 * coordinator acts on them; with `'pipelined'` a step's call overlaps the
 * commit of the step before it. A saga's outcome is reported only once its
 * final transition is durable (see executeSaga, SagaLogMode).
 */
export function createSagaOrchestrator(options: SagaOrchestratorOptions = {}): SagaOrchestrator {
  const topics = options.topics ?? DEFAULT_SAGA_TOPICS;
  const groupId = options.groupId ?? DEFAULT_SAGA_GROUP_ID;
  const registry = new SagaRegistry();
  const entries = new Map<string, Entry>();
  const finishWaiters = new Map<string, Set<(result: SagaResult) => void>>();
  const transitions = new ListenerSet<SagaTransitionEvent>();
  const owned = new Set<number>();
  const reportError = (error: unknown, sagaId?: string) => options.onError?.(error, sagaId);
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;
  let log: SagaLog | undefined;
  let partitionCount = 0;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const stopping = new AbortController();
  let assignments: Promise<void> = Promise.resolve();

  function notifyFinished(saga: Saga): void {
    const waiters = finishWaiters.get(saga.sagaId);
    if (!waiters) return;
    finishWaiters.delete(saga.sagaId);
    const result = sagaResultOf(saga, registry.find(saga.name, saga.definitionVersion));
    for (const waiter of waiters) waiter(result);
  }

  function drive(sagaId: string, entry: Entry, definition: AnySagaDefinition): Promise<SagaResult> {
    const persist =
      definition.persist === false
        ? async () => undefined
        : (logEntries: readonly SagaLogEntry[], appendOptions?: SagaLogAppendOptions) =>
            log!.append(entry.partition, entry.traceHeaders ? logEntries.map((logEntry) => ({ ...logEntry, traceHeaders: entry.traceHeaders })) : logEntries, appendOptions);
    const deps = {
      definition: tracedDefinition(definition),
      persist,
      logMode: options.logMode ?? DEFAULT_SAGA_LOG_MODE,
      ...(options.logLingerMs !== undefined ? { lingerMs: options.logLingerMs } : {}),
      ...(options.logSendEarly !== undefined ? { sendEarly: options.logSendEarly } : {}),
      ...(definition.persist === false ? {} : { logOpen: () => log!.isOpen(entry.partition) }),
      stop: entry.controller.signal,
      observe: (saga: Saga, transition: SagaTransition) => {
        transitions.emit({ saga, transition });
        if (isSagaFinished(saga)) notifyFinished(saga);
      },
    };
    // A failed write (the broker, not another owner) does not end the saga:
    // it runs again from its last written state, repeating at most the call
    // in flight, under its key, once the partition's producer is claimed anew.
    const running = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await withSagaSpan({ saga: definition.name, id: sagaId, ...(entry.traceHeaders ? { headers: entry.traceHeaders } : {}) }, () => executeSaga(entry.state, deps));
        } catch (error) {
          const retriable = error instanceof SagaError && (error.code === 'LOG_WRITE_FAILED' || (error.code === 'NOT_OWNER' && owned.has(entry.partition)));
          if (!retriable || entry.controller.signal.aborted || attempt + 1 >= LOG_WRITE_MAX_ATTEMPTS) throw error;
          reportError(error, sagaId);
          await abortableSleep(computeBackoff(attempt, ASSIGNMENT_BACKOFF), entry.controller.signal);
          if (owned.has(entry.partition)) await log!.claim(entry.partition).catch((claimError: unknown) => reportError(claimError, sagaId));
        }
      }
    })();
    entry.running = running;
    running.then(
      (result) => {
        entry.running = undefined;
        const startedAt = entry.state.saga.startedAt;
        const startedMs = startedAt ? Number(startedAt.seconds) * 1000 + Math.floor(startedAt.nanos / 1e6) : Date.now();
        recordSagaOutcome(definition.name, result.status, Date.now() - startedMs);
      },
      () => (entry.running = undefined),
    );
    return running;
  }

  function continueRecovered(sagaId: string, entry: Entry): void {
    const definition = registry.find(entry.state.saga.name, entry.state.saga.definitionVersion);
    if (!definition) {
      reportError(new SagaError('UNKNOWN_DEFINITION', `saga ${sagaId} runs ${entry.state.saga.name} version ${entry.state.saga.definitionVersion}, which is not registered; it waits for resume()`), sagaId);
      return;
    }
    drive(sagaId, entry, definition).catch((error: unknown) => reportError(error, sagaId));
  }

  async function applyAssignment(next: readonly number[]): Promise<void> {
    const wanted = new Set(next);
    for (const partition of [...owned]) {
      if (wanted.has(partition)) continue;
      owned.delete(partition);
      for (const [sagaId, entry] of entries) {
        if (entry.partition !== partition) continue;
        entry.controller.abort(new SagaError('FENCED', `saga-log partition ${partition} moved to another coordinator`));
        entries.delete(sagaId);
      }
      await log!.release(partition);
    }
    const gained = next.filter((partition) => !owned.has(partition));
    if (gained.length === 0) return;
    await Promise.all(gained.map((partition) => log!.claim(partition)));
    const stored = await readSagaStates({ kafka: kafka!, topic: topics.state, partitions: gained });
    for (const partition of gained) owned.add(partition);
    for (const [sagaId, { saga, sequence, partition, traceHeaders, ranAhead }] of stored) {
      const entry: Entry = { state: { saga, sequence, ranAhead }, partition, controller: new AbortController(), traceHeaders };
      entries.set(sagaId, entry);
      if (isSagaFinished(saga)) notifyFinished(saga);
      else continueRecovered(sagaId, entry);
    }
  }

  // A claim or a rebuild can fail on a broker hiccup; the partitions would
  // then wait for the next rebalance, so the assignment is retried.
  async function applyAssignmentPersistently(partitions: readonly number[]): Promise<void> {
    for (let attempt = 0; attempt < ASSIGNMENT_MAX_ATTEMPTS && !stopped; attempt++) {
      try {
        await applyAssignment(partitions);
        return;
      } catch (error) {
        reportError(error);
        await abortableSleep(computeBackoff(attempt, ASSIGNMENT_BACKOFF), stopping.signal).catch(() => undefined);
      }
    }
  }

  async function startOnce(): Promise<void> {
    kafka = options.kafka ?? createSagaKafka(DEFAULT_SAGA_CLIENT_ID);
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, sagaTopicSpecs(topics, options.partitions ?? DEFAULT_SAGA_PARTITIONS));
    const metadata = await admin.fetchTopicMetadata({ topics: [topics.state] });
    partitionCount = metadata.topics[0]?.partitions.length ?? 0;
    log = createSagaLog({ kafka, topics, transactionalIdPrefix: options.transactionalIdPrefix ?? `${groupId}.${topics.state}` });
    const member = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeout ?? DEFAULT_SAGA_SESSION_TIMEOUT_MS,
      heartbeatInterval: options.heartbeatInterval ?? DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS,
      rebalanceTimeout: options.rebalanceTimeout ?? DEFAULT_SAGA_REBALANCE_TIMEOUT_MS,
      maxWaitTimeInMs: 500,
    });
    consumer = member;
    let firstAssignment!: () => void;
    const assigned = new Promise<void>((resolve) => (firstAssignment = resolve));
    member.on(member.events.GROUP_JOIN, ({ payload }) => {
      // The group is for ownership only: the partitions are read by readSagaStates, never through this consumer.
      member.pause([{ topic: topics.state }]);
      const partitions = [...(payload.memberAssignment[topics.state] ?? [])].sort((a, b) => a - b);
      assignments = assignments.then(() => applyAssignmentPersistently(partitions)).finally(firstAssignment);
    });
    await member.connect();
    await member.subscribe({ topics: [topics.state], fromBeginning: true });
    await member.run({ autoCommit: false, eachBatch: async () => undefined });
    await assigned;
  }

  function ensureStarted(): Promise<void> {
    if (stopped) return Promise.reject(new SagaError('STOPPED', 'the saga orchestrator was stopped'));
    starting ??= startOnce();
    return starting;
  }

  function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  function newSagaId(): string {
    const mine = [...owned];
    if (mine.length === 0) throw new SagaError('NOT_OWNER', 'this coordinator owns no saga-log partition (more coordinators than partitions?)');
    // Expected tries: partitions / owned partitions.
    for (;;) {
      const sagaId = randomUUID();
      if (owned.has(sagaPartition(sagaId, partitionCount))) return sagaId;
    }
  }

  function waitFor(sagaId: string, waitOptions: { signal?: AbortSignal } = {}): Promise<SagaResult> {
    const entry = entries.get(sagaId);
    if (entry?.running) return abortable(entry.running, waitOptions.signal);
    if (entry && isSagaFinished(entry.state.saga)) return Promise.resolve(sagaResultOf(entry.state.saga, registry.find(entry.state.saga.name, entry.state.saga.definitionVersion)));
    return new Promise<SagaResult>((resolve, reject) => {
      const signal = waitOptions.signal;
      if (signal?.aborted) return reject(signal.reason);
      const waiters = finishWaiters.get(sagaId) ?? new Set();
      const onAbort = () => {
        waiters.delete(done);
        reject(signal?.reason);
      };
      const done = (result: SagaResult) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      waiters.add(done);
      finishWaiters.set(sagaId, waiters);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async function execute(definitionOrName: AnySagaDefinition | string, input: unknown, executeOptions: ExecuteOptions = {}): Promise<SagaResult> {
    await ensureStarted();
    await assignments;
    let definition: AnySagaDefinition;
    if (typeof definitionOrName === 'string') {
      definition = registry.latest(definitionOrName);
    } else {
      if (!registry.find(definitionOrName.name, definitionOrName.version)) registry.register(definitionOrName);
      definition = definitionOrName;
    }
    const sagaId = executeOptions.sagaId ?? newSagaId();
    if (entries.has(sagaId)) return waitFor(sagaId);
    const partition = sagaPartition(sagaId, partitionCount);
    if (!owned.has(partition)) throw new SagaError('NOT_OWNER', `saga ${sagaId} belongs to saga-log partition ${partition}, which another coordinator owns`);
    const transition = startedTransition(sagaId, definition, input, Date.now());
    const saga = applySagaTransition(undefined, transition);
    // STARTED is written together with the first STEP_STARTED (see executeSaga).
    const entry: Entry = {
      state: { saga, sequence: 0n, staged: [{ snapshot: saga, transition }] },
      partition,
      controller: new AbortController(),
      traceHeaders: tracedStart(),
    };
    entries.set(sagaId, entry);
    return drive(sagaId, entry, definition).catch((error: unknown) => {
      // Never written: the saga does not exist anywhere but here.
      if (entry.state.sequence === 0n) entries.delete(sagaId);
      throw error;
    });
  }

  return {
    register: (definition) => registry.register(definition),
    start: ensureStarted,
    execute: execute as SagaOrchestrator['execute'],
    async resume(sagaId) {
      await ensureStarted();
      await assignments;
      const entry = entries.get(sagaId);
      if (!entry) throw new SagaError('UNKNOWN_SAGA', `saga ${sagaId} is not in a partition this coordinator owns`);
      if (entry.running) return entry.running;
      const { saga } = entry.state;
      if (saga.status === SagaStatus.COMPLETED || saga.status === SagaStatus.COMPENSATED) {
        throw new SagaError('NOT_RESUMABLE', `saga ${sagaId} already ended ${SagaStatus[saga.status]}`);
      }
      const definition = registry.find(saga.name, saga.definitionVersion);
      if (!definition) throw new SagaError('UNKNOWN_DEFINITION', `saga ${sagaId} needs ${saga.name} version ${saga.definitionVersion}, which is not registered`);
      if (entry.controller.signal.aborted) entry.controller = new AbortController();
      return drive(sagaId, entry, definition);
    },
    waitFor,
    get: (sagaId) => entries.get(sagaId)?.state.saga,
    list(filter = {}) {
      return [...entries.values()]
        .map((entry) => entry.state.saga)
        .filter((saga) => (filter.status === undefined || saga.status === filter.status) && (filter.name === undefined || saga.name === filter.name))
        .sort((a, b) => Number((b.startedAt?.seconds ?? 0n) - (a.startedAt?.seconds ?? 0n)) || (b.startedAt?.nanos ?? 0) - (a.startedAt?.nanos ?? 0));
    },
    partitions: () => [...owned].sort((a, b) => a - b),
    partitionCount: () => partitionCount,
    topics,
    onTransition: (listener) => transitions.subscribe(listener),
    async stop() {
      if (stopped) return;
      stopped = true;
      const reason = new SagaError('STOPPED', 'the saga orchestrator is stopping');
      stopping.abort(reason);
      for (const entry of entries.values()) entry.controller.abort(reason);
      await Promise.allSettled([...entries.values()].map((entry) => entry.running));
      await starting?.catch(() => undefined);
      await assignments.catch(() => undefined);
      await consumer?.disconnect().catch(() => undefined);
      await log?.close();
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

/** tracedStart returns the trace context a new saga starts in, or undefined when there is no trace to continue. */
function tracedStart(): Record<string, string> | undefined {
  const headers = injectKafkaHeaders({}) as Record<string, string>;
  return Object.keys(headers).length > 0 ? headers : undefined;
}
