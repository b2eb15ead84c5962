import { toBinary } from '@bufbuild/protobuf';
import type { Kafka, Producer, Transaction } from 'kafkajs';
import { SagaSchema, SagaTransitionSchema, type Saga, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import { createTransactionalProducer } from '../kafka/index.js';
import { errorMessage, SagaError } from './saga-error.js';
import type { SagaTopics } from './saga-topics.js';

/** SAGA_SEQUENCE_HEADER carries, on a state record, the sequence of the last transition folded into it (the Saga message has no field for it). */
export const SAGA_SEQUENCE_HEADER = 'saga-sequence';

/**
 * SAGA_RAN_AHEAD_HEADER marks (value `1`) a state record whose saga may have
 * run any number of steps ahead of its log (a background-mode run): recovery
 * then treats every step after the last record as in doubt (inDoubtSteps).
 */
export const SAGA_RAN_AHEAD_HEADER = 'saga-ran-ahead';

/** DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS bounds a saga-log transaction; a new owner's fencing aborts a dead owner's open one sooner. */
export const DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * SAGA_LOG_PRODUCER_RETRY retries fast: right after a commit the broker
 * answers the next transaction with CONCURRENT_TRANSACTIONS until the commit
 * markers are written (a few ms), and kafkajs's default first wait (300 ms)
 * would be added to nearly every transition.
 */
export const SAGA_LOG_PRODUCER_RETRY = { initialRetryTime: 2, maxRetryTime: 1_000, retries: 15 } as const;

/**
 * DEFAULT_SAGA_LOG_MAX_BATCH_BYTES caps what one send into a partition's
 * transaction carries: the records of one partition go to the broker as one
 * record batch, which it
 * refuses past its max.message.bytes (1 MiB by default). Ten thousand sagas
 * resuming at once would otherwise fail every write of their partition.
 */
export const DEFAULT_SAGA_LOG_MAX_BATCH_BYTES = 512 * 1024;

/** SagaLogEntry is one transition and the snapshot it produced, written together. */
export interface SagaLogEntry {
  snapshot: Saga;
  transition: SagaTransition;
  /** traceHeaders (traceparent, tracestate) go with the snapshot, so a coordinator that recovers the saga continues its trace. */
  traceHeaders?: Readonly<Record<string, string>>;
  /** ranAhead marks the snapshot with SAGA_RAN_AHEAD_HEADER. */
  ranAhead?: boolean;
}

/** SagaLogOptions configure createSagaLog. */
export interface SagaLogOptions {
  kafka: Kafka;
  topics: SagaTopics;
  /** transactionalIdPrefix names the producers: `<prefix>-<partition>`; every coordinator of one saga log must use the same. */
  transactionalIdPrefix: string;
  /** @defaultValue DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS */
  transactionTimeout?: number;
  /** maxBatchBytes caps the encoded records of one transaction (a single larger append still goes alone). @defaultValue DEFAULT_SAGA_LOG_MAX_BATCH_BYTES */
  maxBatchBytes?: number;
}

/** DEFAULT_SAGA_LOG_COMMIT_WITHIN_MS is how long an append may wait for its commit unless it says otherwise: not at all. */
export const DEFAULT_SAGA_LOG_COMMIT_WITHIN_MS = 0;

/** SagaLogAppendOptions qualify one append. */
export interface SagaLogAppendOptions {
  /**
   * commitWithinMs lets the append's commit wait up to this long for more
   * appends: its records go to the broker at once, into the partition's open
   * transaction (opened if none is), and that transaction is committed when
   * an append without it arrives or its earliest such bound is reached. A
   * background saga sends its first transitions this way while its steps
   * run, so the commit at its end costs Produce and EndTxn, not also
   * opening the transaction. At most half the transaction timeout is
   * waited. @defaultValue DEFAULT_SAGA_LOG_COMMIT_WITHIN_MS
   */
  commitWithinMs?: number;
}

/** SagaLog writes transitions to the saga log, one transactional producer per owned partition. */
export interface SagaLog {
  /**
   * claim takes a partition: its producer's transactional id is the
   * partition's, so initialising it fences the previous owner and aborts the
   * transaction a crashed owner left open. Read the partition after claim.
   */
  claim(partition: number): Promise<void>;
  /** release gives a partition up: its pending appends and those in its open transaction fail with FENCED, and the transaction is aborted. After a failed append the partition is released too: claim it again to write. */
  release(partition: number): Promise<void>;
  /**
   * append writes transitions (history topic) and the snapshots they produced
   * (state topic) in one transaction, resolving once committed; of several
   * snapshots of one saga in a transaction only the last is written. An
   * append of no entries commits what earlier appends left in the open
   * transaction (see SagaLogAppendOptions) and resolves once they are durable.
   * If the transaction fails or is aborted, every append it holds rejects.
   */
  append(partition: number, entries: readonly SagaLogEntry[], options?: SagaLogAppendOptions): Promise<void>;
  /**
   * isOpen says whether the partition has an open transaction: records sent
   * (or being sent) into it and not committed yet. An append that may wait
   * then only adds a Produce to it; it opens nothing (see SagaLogAppendOptions).
   */
  isOpen(partition: number): boolean;
  owned(): number[];
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

interface Pending {
  entries: readonly SagaLogEntry[];
  /** The encoded transitions and snapshots (only each saga's last snapshot of the append; the others are empty), sized once for the batch cap. */
  encoded: { snapshot: Buffer; transition: Buffer }[];
  bytes: number;
  /** commitBy is when (performance.now()) the append's transaction must be committed at the latest. */
  commitBy: number;
  resolve(): void;
  reject(error: unknown): void;
}

interface PartitionWriter {
  producer: Producer;
  /** pending appends are not sent yet. */
  pending: Pending[];
  /** open is the transaction being filled; `sent` holds the appends sent into it. */
  open: Transaction | undefined;
  sent: Pending[];
  /** commitBy is the earliest commitBy of `sent`. */
  commitBy: number;
  /** commitTimer commits `open` when its earliest commitBy comes. */
  commitTimer: NodeJS.Timeout | undefined;
  flushing: boolean;
  released: boolean;
}

function isFencing(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH' || type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED';
}

/**
 * createSagaLog returns the writer of the saga log. Appends of one partition
 * are group-committed: while a transaction is in flight, the next appends
 * queue and go out together in the following one, so sagas sharing a
 * partition do not wait for each other's commits one by one. A partition's
 * transaction may stay open between commits (a rolling transaction, as Kafka
 * Streams keeps under exactly-once): appends that may wait for their commit
 * are sent into it at once, and the append that needs durability only adds
 * its records and commits.
 */
export function createSagaLog(options: SagaLogOptions): SagaLog {
  const writers = new Map<number, PartitionWriter>();
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_SAGA_LOG_MAX_BATCH_BYTES;
  // The broker aborts a transaction open past its timeout (and fences the producer): an open one is committed well before.
  const maxOpenMs = (options.transactionTimeout ?? DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS) / 2;

  // Takes the oldest appends up to the byte cap (at least one).
  function nextBatch(writer: PartitionWriter): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < writer.pending.length && (count === 0 || bytes + writer.pending[count]!.bytes <= maxBatchBytes)) bytes += writer.pending[count++]!.bytes;
    return writer.pending.splice(0, count);
  }

  async function send(partition: number, writer: PartitionWriter, batch: Pending[]): Promise<void> {
    const entries = batch.flatMap((pending) => pending.entries.map((entry, index) => ({ entry, encoded: pending.encoded[index]! })));
    if (entries.length === 0) return;
    // The state topic is compacted: only each saga's newest snapshot of the batch matters.
    const latest = [...new Map(entries.map((item) => [item.entry.snapshot.sagaId, item])).values()];
    writer.open ??= await writer.producer.transaction();
    const key = (entry: SagaLogEntry) => entry.snapshot.sagaId;
    await writer.open.sendBatch({
      topicMessages: [
        {
          topic: options.topics.state,
          messages: latest.map(({ entry, encoded }) => ({
            key: key(entry),
            partition,
            value: encoded.snapshot,
            headers: { ...entry.traceHeaders, [SAGA_SEQUENCE_HEADER]: entry.transition.sequence.toString(), ...(entry.ranAhead ? { [SAGA_RAN_AHEAD_HEADER]: '1' } : {}) },
          })),
        },
        {
          topic: options.topics.history,
          messages: entries.map(({ entry, encoded }) => ({ key: key(entry), partition, value: encoded.transition })),
        },
      ],
    });
  }

  // One loop per partition: commits the open transaction once one of its
  // appends is due, else sends the pending appends into it (opening it if
  // need be), else leaves it open until its earliest append is due
  // (commitTimer). Appends arriving while a commit is in flight go out
  // together in the next transaction; a due append is never held behind
  // later ones.
  async function flush(partition: number, writer: PartitionWriter): Promise<void> {
    if (writer.flushing) return;
    writer.flushing = true;
    if (writer.commitTimer) clearTimeout(writer.commitTimer);
    writer.commitTimer = undefined;
    let holding: Pending[] = [];
    let committing: Transaction | undefined;
    try {
      while (!writer.released) {
        if (writer.sent.length > 0 && writer.commitBy <= performance.now()) {
          holding = writer.sent.splice(0);
          writer.commitBy = Number.POSITIVE_INFINITY;
          committing = writer.open;
          writer.open = undefined;
          await committing?.commit();
          committing = undefined;
          for (const pending of holding) pending.resolve();
          holding = [];
        } else if (writer.pending.length > 0) {
          const batch = nextBatch(writer);
          writer.sent.push(...batch);
          for (const pending of batch) writer.commitBy = Math.min(writer.commitBy, pending.commitBy);
          await send(partition, writer, batch);
        } else {
          if (writer.sent.length > 0) {
            writer.commitTimer = setTimeout(() => {
              writer.commitTimer = undefined;
              void flush(partition, writer);
            }, Math.max(1, Math.ceil(writer.commitBy - performance.now())));
          }
          break;
        }
      }
    } catch (error) {
      const failure = isFencing(error)
        ? new SagaError('FENCED', `another coordinator took saga-log partition ${partition}`, { cause: error })
        : new SagaError('LOG_WRITE_FAILED', `writing to saga-log partition ${partition} failed: ${errorMessage(error)}`, { cause: error });
      // Everything the failed transaction held fails with it (dropWriter fails the rest).
      for (const pending of holding) pending.reject(failure);
      await (committing ?? writer.open)?.abort().catch(() => undefined);
      writer.open = undefined;
      // After a failed transaction kafkajs's producer may be left mid-transaction:
      // drop it either way; a new claim() starts a fresh one (and fences this one).
      await dropWriter(partition, writer, failure, false);
    } finally {
      writer.flushing = false;
    }
  }

  async function dropWriter(partition: number, writer: PartitionWriter, reason: SagaError, idle = !writer.flushing): Promise<void> {
    writer.released = true;
    if (writers.get(partition) === writer) writers.delete(partition);
    if (writer.commitTimer) clearTimeout(writer.commitTimer);
    writer.commitTimer = undefined;
    // What the open transaction holds will not be committed: its appends fail, and it is
    // aborted (a new owner's claim would abort it too; until then it holds back read_committed readers).
    for (const entry of [...writer.sent.splice(0), ...writer.pending.splice(0)]) entry.reject(reason);
    const open = writer.open;
    writer.open = undefined;
    if (open && idle) await open.abort().catch(() => undefined);
    await writer.producer.disconnect().catch(() => undefined);
  }

  // Sagas of one partition may ask for a new claim at once (after a failed write): one producer is made.
  const claims = new Map<number, Promise<void>>();

  async function claim(partition: number): Promise<void> {
    const producer = createTransactionalProducer(options.kafka, {
      transactionalId: `${options.transactionalIdPrefix}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeout ?? DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS,
      retry: SAGA_LOG_PRODUCER_RETRY,
    });
    await producer.connect();
    try {
      // An empty transaction initialises the producer id: that is what fences the previous owner.
      const transaction = await producer.transaction();
      await transaction.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw new SagaError(isFencing(error) ? 'FENCED' : 'LOG_WRITE_FAILED', `claiming saga-log partition ${partition} failed: ${errorMessage(error)}`, { cause: error });
    }
    writers.set(partition, { producer, pending: [], open: undefined, sent: [], commitBy: Number.POSITIVE_INFINITY, commitTimer: undefined, flushing: false, released: false });
  }

  return {
    claim(partition) {
      if (writers.has(partition)) return Promise.resolve();
      let claiming = claims.get(partition);
      if (!claiming) {
        claiming = claim(partition).finally(() => claims.delete(partition));
        claims.set(partition, claiming);
      }
      return claiming;
    },
    async release(partition) {
      const writer = writers.get(partition);
      if (writer) await dropWriter(partition, writer, new SagaError('FENCED', `saga-log partition ${partition} was released`));
    },
    append(partition, entries, appendOptions) {
      const writer = writers.get(partition);
      if (!writer) return Promise.reject(new SagaError('NOT_OWNER', `this coordinator does not own saga-log partition ${partition}`));
      // Only a saga's last snapshot of an append can be written (the state topic keeps the newest): the others are not encoded.
      const lastOfSaga = new Map(entries.map((entry, index) => [entry.snapshot.sagaId, index]));
      const encoded = entries.map((entry, index) => ({
        snapshot: lastOfSaga.get(entry.snapshot.sagaId) === index ? Buffer.from(toBinary(SagaSchema, entry.snapshot)) : EMPTY,
        transition: Buffer.from(toBinary(SagaTransitionSchema, entry.transition)),
      }));
      // Keys and headers are small; the values decide whether a batch fits.
      const bytes = encoded.reduce((sum, { snapshot, transition }) => sum + snapshot.length + transition.length + 64, 0);
      return new Promise<void>((resolve, reject) => {
        writer.pending.push({ entries, encoded, bytes, commitBy: performance.now() + Math.min(appendOptions?.commitWithinMs ?? DEFAULT_SAGA_LOG_COMMIT_WITHIN_MS, maxOpenMs), resolve, reject });
        void flush(partition, writer);
      });
    },
    isOpen: (partition) => writers.get(partition)?.open !== undefined,
    owned: () => [...writers.keys()].sort((a, b) => a - b),
    async close() {
      await Promise.all([...writers.entries()].map(([partition, writer]) => dropWriter(partition, writer, new SagaError('STOPPED', 'the saga log is closed'))));
    },
  };
}
