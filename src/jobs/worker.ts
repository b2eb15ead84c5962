import { fromBinary } from '@bufbuild/protobuf';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { JobLifecycleEvent_State } from '../../gen/mesh/v1/job_pb.js';
import { readContextHeaders, runWithContext } from '../context/index.js';
import { createMemoryDedupeStore, deadLetterRecord } from '../events/index.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_RESTART_BACKOFF, topicMaxMessageBytes, type ConsumedRecord, type ConsumerRunner, type OutgoingRecord } from '../kafka/index.js';
import { abortableSleep, computeBackoff, type Disposable } from '../resilience/index.js';
import { ListenerSet } from '../resilience/listener-set.js';
import type { Job, JobProcessor } from './job.js';
import { JobError, type JobErrorCode } from './job-error.js';
import { encodeJobHeaders, headerText, JobHeaders, readJobHeaders, type JobRecordInfo } from './job-headers.js';
import { DEFAULT_JOB_BACKOFF } from './job-options.js';
import { KeyOrderedExecutor } from './key-ordered-executor.js';
import type { LifecycleEventInit } from './lifecycle-publisher.js';
import { PartitionTracker } from './partition-tracker.js';
import type { QueueBase } from './queue-base.js';
import type { QueueName } from './queue-names.js';
import { QueueSchemas } from './queue-schemas.js';
import { createRetryRelay } from './retry-relay.js';
import { pickRetryTier } from './retry-tiers.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';
import { withJobSpan } from '../telemetry/job-span.js';
import {
  DEFAULT_MAX_BUFFERED_JOBS,
  DEFAULT_WORKER_COMMIT_INTERVAL,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_HEARTBEAT_INTERVAL,
  DEFAULT_WORKER_SESSION_TIMEOUT,
  type WorkerOptions,
} from './worker-options.js';

/** Worker runs the jobs of one queue; it starts at once (BullMQ's autorun). */
export interface Worker {
  readonly queue: QueueName;
  readonly groupId: string;
  /** waitUntilReady resolves once the worker joined its group and got partitions (or rejects when it could not start). */
  waitUntilReady(): Promise<void>;
  /** activeCount is the number of jobs running now. */
  activeCount(): number;
  /** onGroupJoin calls `listener` with the worker's partitions each time it (re)joins its group; more than one call means a rebalance. */
  onGroupJoin(listener: (partitions: number[]) => void): Disposable;
  /** close stops taking jobs, waits for the running ones, commits, and leaves the group; jobs taken but not started are left to the next owner. */
  close(): Promise<void>;
}

/** WORKER_MAX_WAIT_MS bounds a fetch's long poll, which is also how long a close or a paused consumer may wait on it. */
const WORKER_MAX_WAIT_MS = 1000;

/** MAX_PARTITIONS_CONSUMED_CONCURRENTLY caps kafkajs's batch parallelism; the jobs' parallelism comes from the executor, not from it. */
const MAX_PARTITIONS_CONSUMED_CONCURRENTLY = 16;

/** SEND_RETRY_BACKOFF spaces retries of a record the broker did not acknowledge (retry, dead-letter and lifecycle records). */
const SEND_RETRY_BACKOFF = { initialDelay: 200, maxDelay: 5000 };

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * createJobWorker starts a Worker for `queue`.
 *
 * Why not the shared consumer runner of src/kafka: it hands a partition's
 * records to its handler one at a time and resolves an offset when the
 * handler returns, so a partition can never run more than one job, and
 * resolving early would commit unfinished jobs. Key-ordered parallelism
 * needs the batch loop itself: here every record is resolved as soon as it
 * is taken (so kafkajs keeps fetching further), autoCommit is off, and the
 * worker commits per partition only the offset of the lowest unfinished job
 * (PartitionTracker), as soon as a job finishes (one commit in flight at a
 * a time; kafkajs has no revocation callback to commit in, so committing
 * eagerly is what keeps the redelivery after a rebalance small), every
 * `commitInterval` as a backstop, and on close. Jobs run through a
 * KeyOrderedExecutor: at most `concurrency` at once, one at a time per key.
 * A batch blocked because `maxBufferedJobs` are in flight heartbeats while it
 * waits, and kafkajs heartbeats between fetches otherwise, so long jobs keep
 * the membership. The retry topics go through the shared runner
 * (createRetryRelay), which fits them exactly.
 */
export function createJobWorker<Q extends QueueName>(base: QueueBase, queue: Q, processor: JobProcessor<Q>, options: WorkerOptions = {}): Worker {
  const concurrency = options.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobError('INVALID_OPTION', `concurrency must be a positive integer, got ${concurrency}`);
  const maxBuffered = Math.max(options.maxBufferedJobs ?? DEFAULT_MAX_BUFFERED_JOBS, concurrency);
  const heartbeatInterval = options.heartbeatInterval ?? DEFAULT_WORKER_HEARTBEAT_INTERVAL;
  const topics = base.topics(queue);
  const groupId = options.groupId ?? `${topics.main}.workers`;
  const schema = QueueSchemas[queue];
  const dedupe = options.dedupeStore ?? createMemoryDedupeStore();
  const executor = new KeyOrderedExecutor(concurrency);
  const trackers = new Map<number, PartitionTracker>();
  const stopping = new AbortController();
  const groupJoins = new ListenerSet<number[]>();
  /** Outcomes being sent for jobs whose processor already returned. */
  const outcomes = new Set<Promise<void>>();
  let buffered = 0;
  let admissionWaiters: (() => void)[] = [];
  let consumer: Consumer | undefined;
  let relay: ConsumerRunner | undefined;
  let commitTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let joined!: { resolve: () => void; reject: (error: unknown) => void };
  const ready = new Promise<void>((resolve, reject) => (joined = { resolve, reject }));
  ready.catch(() => undefined);

  function release(): void {
    buffered -= 1;
    admissionWaiters.shift()?.();
  }

  async function admit(heartbeat: () => Promise<void>): Promise<void> {
    while (buffered >= maxBuffered && !stopping.signal.aborted) {
      const freed = new Promise<void>((resolve) => admissionWaiters.push(resolve));
      const beat = setInterval(() => void heartbeat().catch(() => undefined), heartbeatInterval);
      await freed.finally(() => clearInterval(beat));
    }
    buffered += 1;
  }

  /** sendDurably sends until the broker acknowledges, unless the worker is closing (then the job stays unfinished and is redelivered). */
  function sendDurably(source: string, events: LifecycleEventInit[], records: OutgoingRecord[] = []): Promise<boolean> {
    // The first try without an async frame: it is every job's path, and the retries are rare.
    return base.lifecycle.publish(source, events, records).then(
      () => true,
      () => resendDurably(source, events, records),
    );
  }

  async function resendDurably(source: string, events: LifecycleEventInit[], records: OutgoingRecord[]): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      if (stopping.signal.aborted) return false;
      await abortableSleep(computeBackoff(attempt, SEND_RETRY_BACKOFF), stopping.signal).catch(() => undefined);
      try {
        await base.lifecycle.publish(source, events, records);
        return true;
      } catch {
        // Retried after the next backoff.
      }
    }
  }

  type LifecycleExtra = { error?: string; progress?: number; result?: Uint8Array };

  function lifecycle(info: JobRecordInfo, state: JobLifecycleEvent_State, extra: LifecycleExtra = {}): LifecycleEventInit {
    return { jobId: info.metadata.jobId, queue, name: info.metadata.name, state, attempt: info.metadata.attempt, ...extra };
  }

  /** sourceOf names where a record's lifecycle events are keyed: its partition, so one job's events stay in order even across workers. */
  function sourceOf(record: ConsumedRecord): string {
    return `${topics.main}/${record.partition}`;
  }

  /** emit publishes a non-terminal event once; a lost ACTIVE or PROGRESS event is not worth holding a job up for. */
  function emit(record: ConsumedRecord, info: JobRecordInfo, state: JobLifecycleEvent_State, extra?: LifecycleExtra): void {
    base.lifecycle.emit(sourceOf(record), [lifecycle(info, state, extra)]);
  }

  let deadLetterLimit: Promise<number> | undefined;
  /**
   * deadLetterMaxBytes is the dead-letter topic's record limit, read once: a
   * copy the broker refuses would be resent forever and hold up its partition.
   */
  function deadLetterMaxBytes(): Promise<number> {
    return (deadLetterLimit ??= base
      .admin()
      .then((admin) => topicMaxMessageBytes(admin, topics.deadLetter))
      .catch(() => {
        deadLetterLimit = undefined;
        return BROKER_DEFAULT_MAX_MESSAGE_BYTES;
      }));
  }

  async function deadLetter(record: ConsumedRecord, info: JobRecordInfo | undefined, code: JobErrorCode, message: string, attempts = info?.metadata.attempt ?? 0): Promise<boolean> {
    const dlq = deadLetterRecord(record, { code, message, attempts, group: groupId }, new Date(), await deadLetterMaxBytes());
    // Keyed by job id (the ordering key stays in job-key): the DLQ is compacted, so retry and remove are by id.
    const records: OutgoingRecord[] = [{ ...dlq, topic: topics.deadLetter, key: info?.metadata.jobId ?? `${record.partition}@${record.offset}` }];
    const events = info ? [lifecycle(info, JobLifecycleEvent_State.FAILED, { error: message }), lifecycle(info, JobLifecycleEvent_State.DEAD_LETTERED, { error: message })] : [];
    return sendDurably(sourceOf(record), events, records);
  }

  async function fail(record: ConsumedRecord, info: JobRecordInfo, error: unknown): Promise<boolean> {
    const { attempt, maxAttempts } = info.metadata;
    const message = messageOf(error);
    if (error instanceof UnrecoverableJobError) return deadLetter(record, info, 'UNRECOVERABLE', message);
    if (attempt >= maxAttempts) return deadLetter(record, info, 'JOB_FAILED', message);
    const delay = computeBackoff(attempt - 1, { ...DEFAULT_JOB_BACKOFF, ...info.backoff });
    const tier = pickRetryTier(base.tiers, delay);
    const topic = topics.retries.find((entry) => entry.tier.name === tier.name)!.topic;
    const headers = { ...record.headers, ...encodeJobHeaders({ ...info.metadata, attempt: attempt + 1 }, info.type, info.backoff, Date.now() + delay) };
    return sendDurably(sourceOf(record), [lifecycle(info, JobLifecycleEvent_State.FAILED, { error: message })], [{ topic, key: record.key, value: record.value, headers }]);
  }

  /**
   * runJob resolves once the processor returned; its `outcome` resolves once
   * the job's outcome (COMPLETED event, retry record or dead letter) is
   * acknowledged, with whether it is (only then may its offset be committed).
   * Splitting the two lets the next job of the slot or key start while the
   * broker acknowledges the previous one.
   */
  async function runJob(record: ConsumedRecord): Promise<{ outcome: Promise<boolean> }> {
    let info: JobRecordInfo;
    let job: Job<Q>;
    // Headers that decode name the job even when its payload does not: the
    // dead letter is then keyed by the job id and waitFor hears DEAD_LETTERED.
    let named: JobRecordInfo | undefined;
    try {
      info = named = readJobHeaders(record.headers);
      const data = fromBinary(schema, record.value ?? new Uint8Array()) as Job<Q>['data'];
      const metadata = info.metadata;
      job = {
        id: metadata.jobId,
        queue,
        name: metadata.name,
        data,
        attempt: metadata.attempt,
        maxAttempts: metadata.maxAttempts,
        key: metadata.key || undefined,
        metadata,
        // Awaited by the processor, so it resolves once the event is acknowledged (or could not be sent: progress is not worth failing a job for).
        updateProgress: (progress) =>
          base.lifecycle.publish(sourceOf(record), [lifecycle(info, JobLifecycleEvent_State.PROGRESS, { progress: Math.round(Math.min(100, Math.max(0, progress))) })]).catch(() => undefined),
      };
    } catch (error) {
      // This attempt never ran the processor: only the earlier ones count.
      return { outcome: deadLetter(record, named, 'DECODE_FAILED', messageOf(error), named ? named.metadata.attempt - 1 : 0) };
    }
    if (await dedupe.has(job.id)) return { outcome: Promise.resolve(true) };
    // Not awaited: the lifecycle publisher sends in call order, so ACTIVE still precedes the outcome on the topic.
    emit(record, info, JobLifecycleEvent_State.ACTIVE);
    let result: Uint8Array | void;
    try {
      // The processor runs in the request context of whoever added the job (trace, correlation id, user).
      const context = readContextHeaders({ get: (name) => headerText(record.headers, name) ?? null });
      // A CONSUMER span per attempt, a child of the PRODUCER span of addJob (or of the retry record, which keeps its headers).
      result = await withJobSpan({ queue, name: job.name, id: job.id, attempt: job.attempt, headers: record.headers }, () =>
        runWithContext(context, () => processor(job)),
      );
    } catch (error) {
      return { outcome: fail(record, info, error) };
    }
    await dedupe.add(job.id);
    // Durable, since waitFor depends on it; a crash before it was sent runs the job again (it was not committed).
    return { outcome: sendDurably(sourceOf(record), [lifecycle(info, JobLifecycleEvent_State.COMPLETED, result ? { result } : {})]) };
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const partition = batch.partition;
    let tracker = trackers.get(partition);
    if (!tracker) trackers.set(partition, (tracker = new PartitionTracker()));
    for (const message of batch.messages) {
      if (stopping.signal.aborted || !isRunning() || isStale()) return;
      const offset = BigInt(message.offset);
      if (tracker.seen(offset)) {
        resolveOffset(message.offset);
        continue;
      }
      // Admitted at once while below the limit: no promise per job for the common case.
      if (buffered < maxBuffered) buffered += 1;
      else await admit(heartbeat);
      if (stopping.signal.aborted || !isRunning() || isStale() || trackers.get(partition) !== tracker) {
        release();
        return;
      }
      tracker.take(offset);
      resolveOffset(message.offset);
      const record = toRecord(batch.topic, partition, message);
      const key = headerText(record.headers, JobHeaders.KEY) || undefined;
      const owner = tracker;
      executor.submit(key, async () => {
        let outcome: Promise<boolean>;
        try {
          ({ outcome } = await runJob(record));
        } catch {
          outcome = Promise.resolve(false);
        }
        const done = (durable: boolean): void => {
          if (durable) owner.finish(offset);
          outcomes.delete(settled);
          release();
          commitSoon();
        };
        const settled: Promise<void> = outcome.then(done, () => done(false));
        outcomes.add(settled);
      });
    }
  }

  // One commit in flight at a time; finishes meanwhile are folded into the next one.
  let committing: Promise<void> | undefined;
  let commitAgain = false;
  function commitSoon(): void {
    if (committing) {
      commitAgain = true;
      return;
    }
    committing = commit().finally(() => {
      committing = undefined;
      if (commitAgain) {
        commitAgain = false;
        commitSoon();
      }
    });
  }

  async function commit(): Promise<void> {
    if (!consumer) return;
    const due: { tracker: PartitionTracker; offset: bigint; partition: number }[] = [];
    for (const [partition, tracker] of trackers) {
      const offset = tracker.committable();
      if (offset !== undefined && offset !== tracker.committed) due.push({ tracker, offset, partition });
    }
    if (due.length === 0) return;
    try {
      // One request for every partition: each commit is a write to __consumer_offsets, which the broker pays for per request.
      await consumer.commitOffsets(due.map(({ partition, offset }) => ({ topic: topics.main, partition, offset: offset.toString() })));
      for (const { tracker, offset } of due) tracker.committed = offset;
    } catch {
      // Rebalancing or no longer assigned: the next owner starts from the last commit.
    }
  }

  async function startConsumer(): Promise<void> {
    const next = base.kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeout ?? DEFAULT_WORKER_SESSION_TIMEOUT,
      heartbeatInterval,
      maxWaitTimeInMs: WORKER_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    consumer = next;
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set(payload.memberAssignment[topics.main] ?? []);
      // A revoked partition's running jobs finish, but their offsets are the next owner's to commit.
      for (const partition of [...trackers.keys()]) if (!assigned.has(partition)) trackers.delete(partition);
      joined.resolve();
      groupJoins.emit([...assigned]);
    });
    next.on(next.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors only; otherwise this worker starts a fresh consumer.
      if (payload.restart || stopping.signal.aborted || consumer !== next) return;
      scheduleRestart(next);
    });
    await next.connect();
    await next.subscribe({ topics: [topics.main], fromBeginning: true });
    await next.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: Math.min(concurrency, MAX_PARTITIONS_CONSUMED_CONCURRENTLY), eachBatch });
  }

  let restarts = 0;
  function scheduleRestart(crashed: Consumer): void {
    const delay = computeBackoff(restarts++, DEFAULT_RESTART_BACKOFF);
    void abortableSleep(delay, stopping.signal)
      .then(async () => {
        await crashed.disconnect().catch(() => undefined);
        // Jobs of the crashed consumer still finish, but only the new consumer's trackers commit.
        trackers.clear();
        await startConsumer();
      })
      .catch(() => {
        if (!stopping.signal.aborted && consumer) scheduleRestart(consumer);
      });
  }

  async function start(): Promise<void> {
    await base.ensureQueue(queue);
    await startConsumer();
    commitTimer = setInterval(commitSoon, options.commitInterval ?? DEFAULT_WORKER_COMMIT_INTERVAL);
    if (options.relayRetries ?? true) {
      relay = createRetryRelay(base, queue, `${topics.main}.retry-relay`, { sessionTimeout: options.sessionTimeout ?? DEFAULT_WORKER_SESSION_TIMEOUT, heartbeatInterval });
      await relay.start();
    }
  }

  const started = start().catch((error: unknown) => {
    joined.reject(error);
    throw error;
  });
  started.catch(() => undefined);

  return {
    queue,
    groupId,
    waitUntilReady: async () => {
      await started;
      await ready;
    },
    activeCount: () => executor.active,
    onGroupJoin: (listener) => groupJoins.subscribe(listener),
    close: () =>
      (closing ??= (async () => {
        await started.catch(() => undefined);
        stopping.abort(new JobError('CLOSED', 'the worker is closing'));
        consumer?.pause([{ topic: topics.main }]);
        for (const wake of admissionWaiters.splice(0)) wake();
        await relay?.stop();
        executor.drop();
        await executor.idle();
        await Promise.all([...outcomes]);
        clearInterval(commitTimer);
        await committing;
        await commit();
        await consumer?.disconnect().catch(() => undefined);
      })()),
  };
}
