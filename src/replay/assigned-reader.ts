import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { ReplayError, ReplayErrorCode } from './replay-error.js';

/** ReaderPartition is one partition to read, from `start` up to `end` (exclusive), or on and on without `end`. */
export interface ReaderPartition {
  topic: string;
  partition: number;
  start: bigint;
  end?: bigint;
}

/** ReaderBatch is what the reader hands over: messages of one partition within its window, in offset order. */
export interface ReaderBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Keeps the throwaway group alive during long handlers (kafkajs heartbeats only between batches otherwise). */
  heartbeat(): Promise<void>;
}

/** AssignedReaderOptions configures openAssignedReader. */
export interface AssignedReaderOptions {
  kafka: Kafka;
  /** Used to delete the throwaway group on close; the caller owns its connection. */
  admin: Admin;
  partitions: readonly ReaderPartition[];
  /** The throwaway group's id is `${groupIdPrefix}-${uuid}`. */
  groupIdPrefix: string;
  onBatch(batch: ReaderBatch): Promise<void>;
  /**
   * Follow partitions that appear after the start (from their beginning); for live readers.
   * @defaultValue false
   */
  followNewPartitions?: boolean;
  /** @defaultValue DEFAULT_READER_MAX_WAIT_MS */
  maxWaitTimeInMs?: number;
}

/**
 * DEFAULT_READER_MAX_WAIT_MS bounds a fetch's long poll: kafkajs sleeps this
 * long when every partition is paused, so it is also how late a finished
 * reader notices it can stop.
 */
export const DEFAULT_READER_MAX_WAIT_MS = 250;

/** AssignedReader is a running reader; close it in every case. */
export interface AssignedReader {
  readonly groupId: string;
  /** Resolves when every bounded partition reached its end; rejects when onBatch throws or the consumer crashes. */
  readonly finished: Promise<void>;
  /** The next offset the reader will deliver on a partition; still answers after close. */
  position(topic: string, partition: number): bigint | undefined;
  /** Every partition's next offset, as `position` gives it; still answers after close. */
  positions(): { topic: string; partition: number; offset: bigint }[];
  /** Disconnects and deletes the throwaway group; safe to call twice. */
  close(): Promise<void>;
}

interface PartitionState extends ReaderPartition {
  /** -1 until the first batch, for partitions that appeared after the start. */
  position: bigint;
  done: boolean;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * openAssignedReader reads exact partition windows the way kafkajs allows it:
 * kafkajs has no assign(), so it joins a throwaway consumer group of its own
 * (a fresh id, autoCommit off, never committing) and, on every GROUP_JOIN,
 * seeks each assigned partition to the reader's own position (seek works only
 * on assigned partitions, and a rejoin would otherwise restart from the
 * beginning) and pauses the partitions it has nothing to read from. The
 * offsets of every other group are never touched, and the group is deleted on
 * close.
 */
export async function openAssignedReader(options: AssignedReaderOptions): Promise<AssignedReader> {
  const { kafka, admin, onBatch, followNewPartitions = false } = options;
  const groupId = `${options.groupIdPrefix}-${randomUUID()}`;
  const states = new Map<string, PartitionState>();
  for (const entry of options.partitions) {
    const done = entry.end !== undefined && entry.start >= entry.end;
    states.set(partitionKey(entry.topic, entry.partition), { ...entry, position: entry.start, done });
  }

  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  finished.catch(() => undefined);
  let failed = false;

  const consumer: Consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? DEFAULT_READER_MAX_WAIT_MS,
  });

  const pauseOne = (state: ReaderPartition) => consumer.pause([{ topic: state.topic, partitions: [state.partition] }]);
  const checkFinished = () => {
    for (const state of states.values()) if (!state.done) return;
    settle?.resolve();
  };
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    for (const state of states.values()) pauseOne(state);
    settle?.reject(error);
  };
  const advance = (state: PartitionState, next: bigint) => {
    if (failed || next <= state.position) return;
    state.position = next;
    if (state.end !== undefined && next >= state.end) {
      state.done = true;
      pauseOne(state);
      checkFinished();
    }
  };

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const partition of partitions) {
        let state = states.get(partitionKey(topic, partition));
        if (!state && followNewPartitions) {
          state = { topic, partition, start: 0n, position: -1n, done: false };
          states.set(partitionKey(topic, partition), state);
        }
        if (!state || state.done || failed) {
          consumer.pause([{ topic, partitions: [partition] }]);
        } else if (state.position >= 0n) {
          consumer.seek({ topic, partition, offset: state.position.toString() });
        }
      }
    }
  });
  // Batches made only of control records or aborted transactions never reach
  // eachBatch; this event still moves the position past them, so a window
  // ending in a transaction marker finishes.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const state = states.get(partitionKey(payload.topic, payload.partition));
    if (state && state.position >= 0n) advance(state, BigInt(payload.lastOffset) + 1n);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(new ReplayError(ReplayErrorCode.CONSUMER_CRASHED, payload.error.message, { cause: payload.error }));
  });

  const eachBatch = async ({ batch, heartbeat }: EachBatchPayload) => {
    const state = states.get(partitionKey(batch.topic, batch.partition));
    if (!state || state.done || failed) return;
    if (state.position < 0n) state.position = BigInt(batch.firstOffset() ?? '0');
    const inside = (message: KafkaMessage) => {
      const offset = BigInt(message.offset);
      return offset >= state.position && (state.end === undefined || offset < state.end);
    };
    // Messages come in offset order: when both ends are inside, all are.
    const first = batch.messages[0];
    const last = batch.messages.at(-1);
    const messages = first && last && inside(first) && inside(last) ? batch.messages : batch.messages.filter(inside);
    try {
      if (messages.length > 0) await onBatch({ topic: batch.topic, partition: batch.partition, messages, heartbeat });
    } catch (error) {
      fail(error);
      return;
    }
    advance(state, BigInt(batch.lastOffset()) + 1n);
  };

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await consumer.disconnect();
      // A group that never committed may already be gone once its last member left.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    })());

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(options.partitions.map((entry) => entry.topic))], fromBeginning: true });
    checkFinished();
    await consumer.run({ autoCommit: false, eachBatch });
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return {
    groupId,
    finished,
    position: (topic, partition) => {
      const state = states.get(partitionKey(topic, partition));
      return state && state.position >= 0n ? state.position : undefined;
    },
    positions: () =>
      [...states.values()].filter((state) => state.position >= 0n).map((state) => ({ topic: state.topic, partition: state.partition, offset: state.position })),
    close,
  };
}
