import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { computeBackoff, type Disposable } from '../resilience/index.js';
import { ListenerSet } from '../resilience/listener-set.js';
import { BackPressureError } from './back-pressure-error.js';
import type { ConsumedRecord, RecordControl } from './consumed-record.js';
import {
  DEFAULT_COMMIT_INTERVAL,
  DEFAULT_FETCH_MAX_WAIT,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_REBALANCE_TIMEOUT,
  DEFAULT_RESTART_BACKOFF,
  DEFAULT_RUNNER_CONCURRENCY,
  DEFAULT_SESSION_TIMEOUT,
  DEFAULT_TOPIC_REFRESH_INTERVAL,
  type ConsumerRunnerOptions,
} from './consumer-runner-options.js';
import { authenticationErrorOf } from './kafka-authentication-error.js';
import { KafkaTransportError } from './kafka-transport-error.js';

/** GroupJoinEvent is emitted each time the runner's consumer (re)joins its group; many of them in a row mean a rebalance loop. */
export interface GroupJoinEvent {
  groupId: string;
  memberId: string;
  isLeader: boolean;
  assignment: Record<string, number[]>;
}

/** CrashEvent is emitted when kafkajs reports a consumer crash; `restartedBy` says who brings it back. */
export interface CrashEvent {
  error: Error;
  /** The innermost `cause` of `error` (kafkajs wraps a handler's TypeError in KafkaJSNonRetriableError). */
  rootCause: Error;
  restartedBy: 'kafkajs' | 'runner' | 'none';
}

/** ConsumerRunner runs a kafkajs consumer with at-least-once delivery, heartbeats during long handlers, back-pressure pauses, and restarts after crashes. */
export interface ConsumerRunner {
  /** start subscribes and resolves once the consumer has joined its group (at once when a pattern matches no topic yet). */
  start(): Promise<void>;
  /** stop aborts handlers' signals, lets the current record finish, commits what was handled and leaves the group. */
  stop(): Promise<void>;
  /** pause stops fetching the given partitions (all of the topic's when omitted) until resume. */
  pause(topic: string, partitions?: number[]): void;
  resume(topic: string, partitions?: number[]): void;
  /** topics returns the topics currently subscribed. */
  topics(): string[];
  /** assignment returns the partitions this member holds since its last group join, by topic. */
  assignment(): Record<string, number[]>;
  onGroupJoin(listener: (event: GroupJoinEvent) => void): Disposable;
  onCrash(listener: (event: CrashEvent) => void): Disposable;
  /** onTopicsChanged fires when a pattern picked up new topics and the consumer was re-subscribed. */
  onTopicsChanged(listener: (topics: string[]) => void): Disposable;
}

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
}

function rootCause(error: Error): Error {
  let current = error;
  while (current.cause instanceof Error) current = current.cause;
  return current;
}

function isRebalancing(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

/**
 * createConsumerRunner returns a ConsumerRunner over kafkajs.
 *
 * Delivery is at-least-once: the runner uses `eachBatch` with auto-resolve off
 * and resolves a record's offset only after its handler returned; kafkajs's
 * auto-commit then commits resolved offsets only (every `commitInterval`, at
 * the end of every batch, before a rebalance and on stop). A record whose
 * handler did not finish is never committed, so a crash or SIGKILL redelivers
 * it. Chosen over `autoCommit: false` + manual commits because kafkajs then
 * also commits handled records before it rejoins a rebalancing group, which
 * manual commits would have to re-implement.
 *
 * kafkajs heartbeats only between records; while a handler runs the runner
 * calls `heartbeat()` every `heartbeatInterval`, so a handler longer than the
 * session timeout keeps its membership. When a heartbeat reports a rebalance
 * the batch stops after the current record, so the group can settle.
 *
 * A handler error other than BackPressureError is a transport failure: the
 * record stays unresolved and the error goes to kafkajs, which retries and may
 * crash the consumer. kafkajs restarts itself only after retriable errors; after
 * others (a TypeError, for instance) it leaves the consumer disconnected. The
 * runner listens to CRASH and, when kafkajs will not restart, starts a fresh
 * consumer with backoff, so an error never leaves the group without this member.
 */
export function createConsumerRunner(kafka: Kafka, options: ConsumerRunnerOptions): ConsumerRunner {
  const heartbeatInterval = options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL;
  const topicRefreshInterval = options.topicRefreshInterval ?? DEFAULT_TOPIC_REFRESH_INTERVAL;
  const restartBackoff = options.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
  const commitInterval = options.commitInterval ?? DEFAULT_COMMIT_INTERVAL;
  const groupJoins = new ListenerSet<GroupJoinEvent>();
  const crashes = new ListenerSet<CrashEvent>();
  const topicChanges = new ListenerSet<string[]>();
  const stopController = new AbortController();
  const initialTopics = new Set(options.topics ?? []);
  const subscribed = new Set<string>();
  const resumeTimers = new Set<NodeJS.Timeout>();
  let consumer: Consumer | undefined;
  let assignment: Record<string, number[]> = {};
  let admin: Admin | undefined;
  let started = false;
  let stopped = false;
  let consecutiveCrashes = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  // Starts, restarts and stops run one at a time.
  let lifecycle: Promise<void> = Promise.resolve();

  function serialize(step: () => Promise<void>): Promise<void> {
    const next = lifecycle.then(step, step);
    lifecycle = next.catch(() => undefined);
    return next;
  }

  function pausePartition(target: Consumer, topic: string, partition: number, resumeAfterMs: number | undefined): void {
    target.pause([{ topic, partitions: [partition] }]);
    if (resumeAfterMs === undefined) return;
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (consumer === target && !stopped) target.resume([{ topic, partitions: [partition] }]);
    }, resumeAfterMs);
    resumeTimers.add(timer);
  }

  async function eachBatch(target: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning } = payload;
    const { topic, partition } = batch;
    let rebalancing = false;
    // The offset of the last handled record not yet passed to resolveOffset.
    // kafkajs reads resolved offsets only when it commits: when asked to (the
    // commit check below), when a heartbeat finds the group rebalancing, and
    // after the batch. Resolving just before each of those, instead of after
    // every record, commits exactly the same records.
    let handled: string | undefined;
    const resolveHandled = (): void => {
      if (handled === undefined) return;
      resolveOffset(handled);
      handled = undefined;
    };
    const beatNow = (): Promise<void> => {
      resolveHandled();
      return heartbeat();
    };
    // One control per batch, not per record: the handler of the record being handled is the only one that can call pause.
    let pauseAfter = false;
    let resumeAfterMs: number | undefined;
    const control: RecordControl = {
      signal: stopController.signal,
      heartbeat: beatNow,
      pause(ms) {
        pauseAfter = true;
        resumeAfterMs = ms;
      },
    };
    // kafkajs heartbeats only between records; this keeps the member alive
    // while a handler runs (kafkajs skips a beat sent within the interval).
    const beat = setInterval(() => {
      beatNow().catch((error: unknown) => {
        if (isRebalancing(error)) rebalancing = true;
      });
    }, heartbeatInterval);
    // kafkajs commits resolved offsets at the end of the batch; within it, asking
    // only once the interval passed saves two async calls per record.
    let commitCheckedAt = Date.now();
    try {
      for (const message of batch.messages) {
        // No isStale() per record: it reports a consumer.seek during the batch,
        // and nobody can seek the runner's consumer (it is never handed out).
        if (stopped || rebalancing || !isRunning()) return;
        try {
          // A handler with nothing to wait for may return undefined: no promise, no microtask turn.
          const pending = options.handler(toRecord(topic, partition, message), control);
          if (pending !== undefined) await pending;
        } catch (error) {
          if (error instanceof BackPressureError) {
            pausePartition(target, topic, partition, error.retryAfterMs);
            return;
          }
          // Stopping: the record stays unresolved and is delivered again later.
          if (stopController.signal.aborted) return;
          throw error;
        }
        handled = message.offset;
        consecutiveCrashes = 0;
        const now = Date.now();
        if (now - commitCheckedAt >= commitInterval) {
          commitCheckedAt = now;
          resolveHandled();
          await commitOffsetsIfNecessary();
        }
        if (pauseAfter) {
          pausePartition(target, topic, partition, resumeAfterMs);
          return;
        }
      }
    } finally {
      clearInterval(beat);
      resolveHandled();
    }
  }

  async function startConsumer(topics: { known: string[]; discovered: string[] }): Promise<void> {
    if (topics.known.length + topics.discovered.length === 0) return;
    const next = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT,
      heartbeatInterval,
      rebalanceTimeout: options.rebalanceTimeout ?? DEFAULT_REBALANCE_TIMEOUT,
      maxWaitTimeInMs: DEFAULT_FETCH_MAX_WAIT,
      ...options.consumerConfig,
    });
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      assignment = payload.memberAssignment;
      groupJoins.emit({ groupId: payload.groupId, memberId: payload.memberId, isLeader: payload.isLeader, assignment: payload.memberAssignment });
    });
    next.on(next.events.CRASH, ({ payload }) => {
      const runnerRestarts = !payload.restart && !stopped && consumer === next;
      crashes.emit({ error: payload.error, rootCause: rootCause(payload.error), restartedBy: payload.restart ? 'kafkajs' : runnerRestarts ? 'runner' : 'none' });
      if (runnerRestarts) scheduleRestart();
    });
    consumer = next;
    try {
      await next.connect();
      if (topics.known.length > 0) await next.subscribe({ topics: topics.known, fromBeginning: options.fromBeginning ?? false });
      if (topics.discovered.length > 0) await next.subscribe({ topics: topics.discovered, fromBeginning: true });
      await next.run({
        autoCommit: true,
        autoCommitInterval: commitInterval,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? DEFAULT_RUNNER_CONCURRENCY,
        eachBatch: (payload) => eachBatch(next, payload),
      });
    } catch (error) {
      await next.disconnect().catch(() => undefined);
      throw error;
    }
    for (const topic of [...topics.known, ...topics.discovered]) subscribed.add(topic);
  }

  function scheduleRestart(): void {
    if (stopped || restartTimer) return;
    const delay = computeBackoff(consecutiveCrashes++, restartBackoff);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void serialize(async () => {
        if (stopped) return;
        await consumer?.disconnect().catch(() => undefined);
        consumer = undefined;
        await startConsumer(currentTopics()).catch(() => scheduleRestart());
      });
    }, delay);
  }

  function currentTopics(): { known: string[]; discovered: string[] } {
    return { known: [...initialTopics], discovered: [...subscribed].filter((topic) => !initialTopics.has(topic)) };
  }

  function matches(topic: string): boolean {
    const pattern = options.pattern;
    if (!pattern || topic.startsWith('__')) return false;
    return typeof pattern === 'function' ? pattern(topic) : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(topic);
  }

  async function matchingTopics(): Promise<string[]> {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return (await admin.listTopics()).filter(matches).sort();
  }

  async function refreshTopics(): Promise<void> {
    if (stopped) return;
    const found = (await matchingTopics()).filter((topic) => !subscribed.has(topic) && !initialTopics.has(topic));
    if (found.length === 0 || stopped) return;
    // kafkajs cannot subscribe a running consumer, so the runner restarts it
    // with the larger subscription: handled records are committed on the way.
    await consumer?.disconnect().catch(() => undefined);
    consumer = undefined;
    const topics = currentTopics();
    topics.discovered.push(...found);
    try {
      await startConsumer(topics);
    } catch {
      scheduleRestart();
      return;
    }
    topicChanges.emit([...subscribed]);
  }

  return {
    start: () =>
      serialize(async () => {
        if (started || stopped) throw new KafkaTransportError('RUNNER_STATE', 'the consumer runner was already started');
        started = true;
        if (options.pattern) for (const topic of await matchingTopics()) initialTopics.add(topic);
        await startConsumer({ known: [...initialTopics], discovered: [] }).catch((error: unknown) => {
          throw authenticationErrorOf(error) ?? error;
        });
        if (options.pattern) {
          refreshTimer = setInterval(() => {
            void serialize(refreshTopics).catch(() => undefined);
          }, topicRefreshInterval);
        }
      }),
    stop: async () => {
      if (stopped) return lifecycle;
      stopped = true;
      stopController.abort(new KafkaTransportError('RUNNER_STOPPED', 'the consumer runner is stopping'));
      clearInterval(refreshTimer);
      clearTimeout(restartTimer);
      for (const timer of resumeTimers) clearTimeout(timer);
      return serialize(async () => {
        await consumer?.disconnect().catch(() => undefined);
        await admin?.disconnect().catch(() => undefined);
      });
    },
    pause: (topic, partitions) => consumer?.pause([partitions ? { topic, partitions } : { topic }]),
    resume: (topic, partitions) => consumer?.resume([partitions ? { topic, partitions } : { topic }]),
    topics: () => [...subscribed],
    assignment: () => assignment,
    onGroupJoin: (listener) => groupJoins.subscribe(listener),
    onCrash: (listener) => crashes.subscribe(listener),
    onTopicsChanged: (listener) => topicChanges.subscribe(listener),
  };
}
