import { Partitioners, type Consumer, type EachBatchPayload, type IHeaders, type Message, type Producer } from 'kafkajs';
import { createTransactionalProducer, DEFAULT_RESTART_BACKOFF } from '../kafka/index.js';
import { computeBackoff } from '../resilience/index.js';
import { JobError } from './job-error.js';
import { JobHeaders } from './job-headers.js';
import type { QueueBase } from './queue-base.js';
import { dueTime, latestDueTick, parseCron, parseScheduleRecord, ScheduleHeaders, type ScheduleEntry } from './schedule-record.js';
import {
  DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL,
  DEFAULT_SCHEDULER_SESSION_TIMEOUT,
  DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT,
  SCHEDULER_MAX_WAIT_MS,
  type SchedulerOptions,
} from './scheduler-options.js';

/** Scheduler fires the delayed and recurring jobs of the partitions of the schedule topic it owns. */
export interface Scheduler {
  readonly groupId: string;
  /** waitUntilReady resolves once the scheduler joined its group and read its partitions to their end. */
  waitUntilReady(): Promise<void>;
  /** pendingCount is the number of schedules this instance holds (one-shot and recurring). */
  pendingCount(): number;
  close(): Promise<void>;
}

interface PartitionState {
  entries: Map<string, ScheduleEntry>;
  /** Next offset to read. */
  position: bigint;
  /** End of the partition when it was assigned (after fencing): nothing fires before the state has read that far. */
  target: bigint;
  caughtUp: boolean;
}

// Node turns longer timers into 1 ms timers.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

const SCHEDULE_ONLY_HEADERS = new Set<string>(Object.values(ScheduleHeaders));

/** tickJobId is the job id of a recurring schedule's tick: equal for every instance that might fire it, so the worker drops a double. */
export function tickJobId(scheduleId: string, tick: number): string {
  return `${scheduleId}@${new Date(tick).toISOString()}`;
}

/**
 * createJobScheduler starts a Scheduler.
 *
 * Ownership comes from a consumer group over the compacted schedule topic:
 * each partition has one owner, and partitions move when instances come and
 * go. On every assignment the scheduler (1) fences: it opens a transactional
 * producer whose transactional id is the partition's own
 * (`<group>-<topic>-<partition>`), which aborts any transaction a previous
 * owner left open and makes its later commits fail; (2) reads the partition
 * from its start to the end it has after fencing (read_committed), keeping
 * the latest record per schedule id in memory; (3) only then fires. A fire
 * writes the job to its queue's main topic and the schedule's tombstone (or,
 * for a recurring schedule, its record with the tick as last tick) to the
 * same partition in ONE transaction: a killed or moved scheduler either
 * committed both, and the next owner reads the tombstone, or neither, and
 * the next owner fires. Nothing is committed to the group (the state is
 * always rebuilt from the topic), so the group only decides ownership.
 *
 * Why not the shared consumer runner: it resumes from committed offsets and
 * hides assignments, while this needs to re-read every assigned partition
 * from its start, seek, and fence per partition.
 */
export function createJobScheduler(base: QueueBase, options: SchedulerOptions = {}): Scheduler {
  const topic = base.scheduleTopic;
  const groupId = options.groupId ?? `${topic}.scheduler`;
  const partitions = new Map<number, PartitionState>();
  const producers = new Map<number, Producer>();
  let consumer: Consumer | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // Assignments and fires run one at a time, so a fire never races the re-read of its partition.
  let chain: Promise<void> = Promise.resolve();
  let readyWaiters: (() => void)[] = [];
  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;

  // The assignment of the latest group join, which a failed step is retried against.
  let currentAssignment: number[] = [];
  let reassignTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  function serialize(step: () => Promise<void>): Promise<void> {
    const next = chain.then(step).then(
      () => void (failures = 0),
      (error: unknown) => {
        if (closed) return;
        process.emitWarning(`job scheduler: ${(error as Error).message}`);
        // A failed fencing, read or fire leaves partitions in doubt: fence and re-read them all again (a fenced
        // instance re-fencing a partition that moved only makes the new owner re-read too; it cannot double a job).
        for (const state of partitions.values()) state.caughtUp = false;
        clearTimeout(reassignTimer);
        reassignTimer = setTimeout(() => void serialize(() => assign(currentAssignment)), computeBackoff(failures++, DEFAULT_RESTART_BACKOFF));
      },
    );
    chain = next;
    return next;
  }

  // An instance may own no partition (more instances than partitions): it is ready once it has joined.
  let assignedOnce = false;

  function isReady(): boolean {
    return assignedOnce && [...partitions.values()].every((state) => state.caughtUp);
  }

  function notifyReady(): void {
    if (!isReady()) return;
    for (const resolve of readyWaiters.splice(0)) resolve();
  }

  async function fence(partition: number): Promise<Producer> {
    const existing = producers.get(partition);
    if (existing) return existing;
    const producer = createTransactionalProducer(base.kafka, {
      transactionalId: `${groupId}-${topic}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeout ?? DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // kafkajs runs InitProducerId on the first transaction: that is the fencing step.
    const transaction = await producer.transaction();
    await transaction.abort();
    producers.set(partition, producer);
    return producer;
  }

  async function assign(assigned: number[]): Promise<void> {
    const keep = new Set(assigned);
    for (const [partition, producer] of producers) {
      if (keep.has(partition)) continue;
      producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
    }
    partitions.clear();
    if (!consumer) return;
    if (assigned.length === 0) {
      assignedOnce = true;
      notifyReady();
      return;
    }
    for (const partition of assigned) await fence(partition);
    const offsets = await base.topicOffsets(topic);
    for (const partition of assigned) {
      const found = offsets.find((entry) => entry.partition === partition);
      const low = BigInt(found?.low ?? '0');
      const high = BigInt(found?.high ?? '0');
      partitions.set(partition, { entries: new Map(), position: low, target: high, caughtUp: high <= low });
      consumer.seek({ topic, partition, offset: low.toString() });
    }
    consumer.resume([{ topic, partitions: assigned }]);
    assignedOnce = true;
    notifyReady();
    arm();
  }

  function apply(state: PartitionState, message: Message & { key: Buffer | null; offset: string; timestamp: string }): void {
    const id = message.key?.toString();
    if (!id) return;
    if (message.value === null) {
      state.entries.delete(id);
      return;
    }
    let entry: ScheduleEntry;
    try {
      entry = parseScheduleRecord(message as never);
    } catch {
      return;
    }
    const previous = state.entries.get(id);
    // Our own fire may be ahead of the records we read back; an upsert keeps the last tick fired.
    if (entry.cron !== undefined && previous?.cron !== undefined && previous.lastTick !== undefined && (entry.lastTick ?? -Infinity) < previous.lastTick) {
      entry.lastTick = previous.lastTick;
      entry.dueAt = dueTime(entry);
    }
    state.entries.set(id, entry);
  }

  function advance(partition: number, next: bigint): void {
    const state = partitions.get(partition);
    if (!state || next <= state.position) return;
    state.position = next;
    if (!state.caughtUp && state.position >= state.target) {
      state.caughtUp = true;
      notifyReady();
      arm();
    }
  }

  async function eachBatch({ batch }: EachBatchPayload): Promise<void> {
    const state = partitions.get(batch.partition);
    // A batch fetched before the seek of a fresh assignment starts elsewhere: drop it, the seek brings the right one.
    if (!state || BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset) > state.position) return;
    for (const message of batch.messages) if (BigInt(message.offset) >= state.position) apply(state, message);
    advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
    if (state.caughtUp) arm();
  }

  function arm(): void {
    clearTimeout(timer);
    if (closed) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const state of partitions.values()) {
      if (!state.caughtUp) continue;
      for (const entry of state.entries.values()) earliest = Math.min(earliest, entry.dueAt);
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(() => void serialize(fireDue), Math.min(MAX_TIMER_DELAY, Math.max(0, earliest - Date.now())));
  }

  function jobHeaders(entry: ScheduleEntry, overrides: Record<string, string>): IHeaders {
    const headers: IHeaders = {};
    for (const [name, value] of Object.entries(entry.headers)) if (!SCHEDULE_ONLY_HEADERS.has(name) && value !== undefined) headers[name] = value;
    return { ...headers, ...overrides };
  }

  function recordKey(entry: ScheduleEntry, jobId: string): string {
    const key = entry.headers[JobHeaders.KEY]?.toString();
    return key ? key : jobId;
  }

  async function fireDue(): Promise<void> {
    const now = Date.now();
    for (const [partition, state] of partitions) {
      if (!state.caughtUp) continue;
      const due = [...state.entries.values()].filter((entry) => entry.dueAt <= now);
      if (due.length > 0) await firePartition(partition, state, due, now);
    }
    arm();
  }

  async function firePartition(partition: number, state: PartitionState, due: ScheduleEntry[], now: number): Promise<void> {
    const producer = producers.get(partition);
    if (!producer) return;
    const byTopic = new Map<string, Message[]>();
    const push = (target: string, message: Message) => byTopic.set(target, [...(byTopic.get(target) ?? []), message]);
    const fired: { entry: ScheduleEntry; tick?: number }[] = [];
    for (const entry of due) {
      await base.ensureQueue(entry.queue);
      const main = base.topics(entry.queue).main;
      if (entry.cron === undefined) {
        const jobId = entry.headers[JobHeaders.ID]?.toString() ?? entry.id;
        push(main, { key: recordKey(entry, jobId), value: entry.value, headers: jobHeaders(entry, {}) });
        push(topic, { key: entry.id, value: null, partition });
        fired.push({ entry });
        continue;
      }
      const tick = latestDueTick(parseCron(entry.cron, entry.timeZone), entry.lastTick ?? entry.writtenAt, now);
      if (tick === undefined) continue;
      const jobId = tickJobId(entry.id, tick);
      push(main, { key: recordKey(entry, jobId), value: entry.value, headers: jobHeaders(entry, { [JobHeaders.ID]: jobId, [JobHeaders.SCHEDULED_AT]: new Date(tick).toISOString() }) });
      push(topic, { key: entry.id, value: entry.value, partition, headers: { ...entry.headers, [ScheduleHeaders.LAST_TICK]: String(tick) } });
      fired.push({ entry, tick });
    }
    if (fired.length === 0) return;
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([target, messages]) => ({ topic: target, messages })) });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      // Fenced (another owner took the partition) or the broker failed: the
      // next owner, or the next assignment of ours, re-reads and fires.
      producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
      throw new JobError('FIRE_FAILED', `firing ${fired.length} schedule(s) of partition ${partition} failed: ${(error as Error).message}`, { cause: error });
    }
    if (partitions.get(partition) !== state) return;
    for (const { entry, tick } of fired) {
      if (tick === undefined) {
        state.entries.delete(entry.id);
      } else {
        entry.lastTick = tick;
        entry.dueAt = dueTime(entry);
      }
    }
  }

  async function startConsumer(): Promise<void> {
    const next = base.kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeout ?? DEFAULT_SCHEDULER_SESSION_TIMEOUT,
      heartbeatInterval: options.heartbeatInterval ?? DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL,
      maxWaitTimeInMs: SCHEDULER_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    consumer = next;
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[topic] ?? [];
      // Nothing is read from a partition before it was fenced and its end noted.
      if (assigned.length > 0) next.pause([{ topic, partitions: assigned }]);
      for (const state of partitions.values()) state.caughtUp = false;
      currentAssignment = assigned;
      clearTimeout(reassignTimer);
      void serialize(() => assign(assigned));
    });
    // Batches of only transaction markers never reach eachBatch; this still moves past them.
    next.on(next.events.END_BATCH_PROCESS, ({ payload }) => {
      const state = partitions.get(payload.partition);
      if (state && BigInt(payload.firstOffset ?? payload.lastOffset) <= state.position) advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    next.on(next.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors only; otherwise start a fresh consumer (it re-reads and re-fences on join).
      if (payload.restart || closed || consumer !== next) return;
      for (const state of partitions.values()) state.caughtUp = false;
      restartTimer = setTimeout(() => {
        void serialize(async () => {
          await next.disconnect().catch(() => undefined);
          if (closed) return;
          partitions.clear();
          await startConsumer();
        });
      }, computeBackoff(restarts++, DEFAULT_RESTART_BACKOFF));
    });
    await next.connect();
    await next.subscribe({ topics: [topic], fromBeginning: true });
    await next.run({ autoCommit: false, eachBatch });
  }

  async function start(): Promise<void> {
    await base.ensureShared();
    await startConsumer();
  }

  const started = start();
  started.catch(() => undefined);

  return {
    groupId,
    waitUntilReady: async () => {
      await started;
      if (isReady()) return;
      await new Promise<void>((resolve) => readyWaiters.push(resolve));
    },
    pendingCount: () => [...partitions.values()].reduce((sum, state) => sum + state.entries.size, 0),
    close: async () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearTimeout(restartTimer);
      clearTimeout(reassignTimer);
      await started.catch(() => undefined);
      await chain;
      await consumer?.disconnect().catch(() => undefined);
      for (const producer of producers.values()) await producer.disconnect().catch(() => undefined);
      producers.clear();
      readyWaiters = [];
    },
  };
}
