import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { computeBackoff, type BackoffOptions } from '../resilience/index.js';
import { isTransientKafkaError } from './is-transient-kafka-error.js';
import { authenticationErrorOf } from './kafka-authentication-error.js';
import { KafkaTransportError } from './kafka-transport-error.js';
import type { OutgoingRecord, RecordAck } from './outgoing-record.js';

/** MeshProducer sends records with acks=all through one idempotent kafkajs producer, coalescing concurrent sends into batches. */
export interface MeshProducer {
  /** send resolves, in input order, with where each record was stored once the broker acknowledged all of them. */
  send(records: readonly OutgoingRecord[]): Promise<RecordAck[]>;
  /** close waits for queued records and disconnects. */
  close(): Promise<void>;
}

/** MeshProducerOptions configures createMeshProducer. */
export interface MeshProducerOptions {
  /**
   * Most records in one produce request.
   * @defaultValue DEFAULT_MAX_BATCH_RECORDS (1000)
   */
  maxBatchRecords?: number;
  /**
   * Most bytes (keys, values, headers) in one produce request; one larger record is still sent alone.
   * @defaultValue DEFAULT_MAX_BATCH_BYTES (512 KiB)
   */
  maxBatchBytes?: number;
  /**
   * How long a partition count read from the broker is trusted, in milliseconds.
   * @defaultValue DEFAULT_PARTITION_COUNT_TTL (300 000)
   */
  partitionCountTtl?: number;
  /** @defaultValue CompressionTypes.None */
  compression?: CompressionTypes;
  /**
   * How long a record may wait for the broker's acknowledgement, resends
   * included, before its send rejects; a broker that is down or restarting
   * is waited for this long (the Java producer's `delivery.timeout.ms`).
   * Only transient failures are resent (isTransientKafkaError); a missing
   * topic or a rejected record fails at once.
   * @defaultValue DEFAULT_DELIVERY_TIMEOUT (120 000)
   */
  deliveryTimeout?: number;
  /** @defaultValue DEFAULT_DELIVERY_RETRY_BACKOFF ({ initialDelay: 250, maxDelay: 2000 }) */
  deliveryRetryBackoff?: BackoffOptions;
}

/** DEFAULT_MAX_BATCH_RECORDS caps the records of one produce request. */
export const DEFAULT_MAX_BATCH_RECORDS = 1000;
/** DEFAULT_MAX_BATCH_BYTES keeps one request well under the broker's 1 MiB `message.max.bytes`. */
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
/** DEFAULT_PARTITION_COUNT_TTL matches kafkajs's `metadataMaxAge`. */
export const DEFAULT_PARTITION_COUNT_TTL = 300_000;
/** DEFAULT_DELIVERY_TIMEOUT is the Java producer's `delivery.timeout.ms`: long enough to ride out a broker restart. */
export const DEFAULT_DELIVERY_TIMEOUT = 120_000;
/** DEFAULT_DELIVERY_RETRY_BACKOFF keeps resends frequent enough that a broker back up is used within 2 s. */
export const DEFAULT_DELIVERY_RETRY_BACKOFF: BackoffOptions = { initialDelay: 250, maxDelay: 2000 };

interface Pending {
  records: readonly OutgoingRecord[];
  /** sizeOf all records, computed once when queued. */
  bytes: number;
  /** When the send gives up resending (queued time + deliveryTimeout). */
  deadline: number;
  resolve(acks: RecordAck[]): void;
  reject(error: unknown): void;
}

/** PARTITION_CACHE_KEYS bounds the key-to-partition cache of one topic; it is cleared when full. */
const PARTITION_CACHE_KEYS = 10_000;

function sizeOf(record: OutgoingRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers) {
    // for...in rather than Object.entries: this runs for every record sent.
    for (const name in headers) {
      if (!Object.hasOwn(headers, name)) continue;
      size += name.length + (headers[name]?.toString().length ?? 0);
    }
  }
  return size;
}

function sizeOfAll(records: readonly OutgoingRecord[]): number {
  let size = 0;
  for (const record of records) size += sizeOf(record);
  return size;
}
/** PartitionOffsets hands out the offsets of one partition's records in a response, one call per record. */
type PartitionOffsets = () => string;

// Number arithmetic while offsets stay exact in a double (always, in practice), BigInt beyond.
function partitionOffsets(baseOffset: string | undefined): PartitionOffsets {
  const base = baseOffset === undefined ? -1 : Number(baseOffset);
  let next = 0;
  if (Number.isSafeInteger(base) && Number.isSafeInteger(base + 2 ** 31)) return () => String(base + next++);
  const big = BigInt(baseOffset ?? '-1');
  return () => (big + BigInt(next++)).toString();
}

/**
 * createMeshProducer returns a MeshProducer over a new idempotent kafkajs
 * producer (acks=all), connected lazily on the first send.
 *
 * Why it batches by itself: kafkajs takes the idempotent producer's sequence
 * numbers when it builds a request and updates them on the response, so two
 * concurrent `send` calls to one partition can be rejected as out of order.
 * Here only one request is in flight; everything sent meanwhile waits and
 * goes out together in the next request (group commit), which is both safe
 * and faster than one request per record. Records get their partition here
 * (kafkajs's Java-compatible murmur2 partitioner over the topic's partition
 * count) so each record's offset can be told from the response's base offset.
 */
export function createMeshProducer(kafka: Kafka, options: MeshProducerOptions = {}): MeshProducer {
  const maxBatchRecords = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const partitionCountTtl = options.partitionCountTtl ?? DEFAULT_PARTITION_COUNT_TTL;
  const compression = options.compression ?? CompressionTypes.None;
  const deliveryTimeout = options.deliveryTimeout ?? DEFAULT_DELIVERY_TIMEOUT;
  const deliveryRetryBackoff = options.deliveryRetryBackoff ?? DEFAULT_DELIVERY_RETRY_BACKOFF;
  const partitioner = Partitioners.DefaultPartitioner();
  const queue: Pending[] = [];
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let connecting: Promise<void> | undefined;
  let flushing = false;
  let closed = false;
  let drained: (() => void) | undefined;

  function connect(): Promise<void> {
    connecting ??= (async () => {
      const nextProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      const nextAdmin = kafka.admin();
      producer = nextProducer;
      admin = nextAdmin;
      try {
        await Promise.all([nextProducer.connect(), nextAdmin.connect()]);
      } catch (error) {
        // The next attempt (a broker coming back) makes new clients: close these half-open ones.
        await Promise.allSettled([nextProducer.disconnect(), nextAdmin.disconnect()]);
        throw error;
      }
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  type PartitionMetadata = Parameters<ReturnType<typeof Partitioners.DefaultPartitioner>>[0]['partitionMetadata'];
  interface TopicPartitions {
    metadata: PartitionMetadata;
    readAt: number;
    /**
     * Partitions of string keys already hashed: aggregates publish again and
     * again, and kafkajs's partitioner filters the partition list on every call.
     * Keyed placement only depends on the key and the count, so the cache lives
     * and dies with this count.
     */
    byKey: Map<string, number>;
  }
  const topicPartitions = new Map<string, TopicPartitions>();

  async function readPartitionMetadata(topic: string): Promise<void> {
    try {
      const metadata = await admin!.fetchTopicMetadata({ topics: [topic] });
      const count = metadata.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error('no partitions');
      // The partitioner only needs the count: every partition is taken as available.
      const entry = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      topicPartitions.set(topic, { metadata: entry, readAt: Date.now(), byKey: new Map() });
    } catch (error) {
      throw new KafkaTransportError('METADATA_FAILED', `cannot read the partitions of topic ${topic} (does it exist? provision it with ensureTopics): ${(error as Error).message}`, { cause: error });
    }
  }

  /** refreshPartitionCounts reads the counts of the batch's topics that are unknown or older than the TTL, once per topic; it returns the topics that failed. */
  async function refreshPartitionCounts(batch: readonly Pending[]): Promise<Map<string, unknown>> {
    const now = Date.now();
    const stale = new Set<string>();
    for (const pending of batch) {
      for (const record of pending.records) {
        if (record.partition !== undefined || stale.has(record.topic)) continue;
        const known = topicPartitions.get(record.topic);
        if (!known || now - known.readAt >= partitionCountTtl) stale.add(record.topic);
      }
    }
    const failures = new Map<string, unknown>();
    for (const topic of stale) await readPartitionMetadata(topic).catch((error: unknown) => failures.set(topic, error));
    return failures;
  }

  function partitionOf(record: OutgoingRecord): number {
    if (record.partition !== undefined) return record.partition;
    const known = topicPartitions.get(record.topic)!;
    const key = record.key;
    if (typeof key !== 'string') return partitioner({ topic: record.topic, partitionMetadata: known.metadata, message: { key: key ?? null, value: record.value } as Message });
    let partition = known.byKey.get(key);
    if (partition === undefined) {
      partition = partitioner({ topic: record.topic, partitionMetadata: known.metadata, message: { key, value: record.value } as Message });
      if (known.byKey.size >= PARTITION_CACHE_KEYS) known.byKey.clear();
      known.byKey.set(key, partition);
    }
    return partition;
  }

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (batch.length > 0 && (records + next.records.length > maxBatchRecords || bytes + next.bytes > maxBatchBytes)) break;
      batch.push(queue.shift()!);
      records += next.records.length;
      bytes += next.bytes;
    }
    return batch;
  }

  /** Failure is a send that did not go through, with the error its caller gets if it is not resent. */
  interface Failure {
    pending: Pending;
    error: KafkaTransportError;
  }

  /**
   * sendBatch sends a batch, resending what failed transiently (broker down,
   * restarting, leader moving) with backoff until each send's deadline.
   * A resend is the same records with the same partitions, and kafkajs only
   * advances the idempotent producer's sequence numbers on success, so a
   * request the broker stored but could not acknowledge is deduplicated by
   * the broker when it comes again, not stored twice.
   */
  async function sendBatch(batch: Pending[]): Promise<void> {
    let waiting = batch;
    for (let attempt = 0; waiting.length > 0; attempt++) {
      const failures = await trySend(waiting);
      const delay = computeBackoff(attempt, deliveryRetryBackoff);
      const resendAt = Date.now() + delay;
      waiting = [];
      for (const { pending, error } of failures) {
        if (isTransientKafkaError(error) && resendAt < pending.deadline) waiting.push(pending);
        else pending.reject(error);
      }
      if (waiting.length > 0) await sleep(delay);
    }
  }

  /** trySend sends once: it resolves the acknowledged sends and returns the failed ones. */
  async function trySend(batch: Pending[]): Promise<Failure[]> {
    const failures = await refreshPartitionCounts(batch);
    const live: Pending[] = [];
    const failed: Failure[] = [];
    for (const pending of batch) {
      const unknown = failures.size === 0 ? undefined : pending.records.find((record) => record.partition === undefined && failures.has(record.topic));
      if (unknown) failed.push({ pending, error: failures.get(unknown.topic) as KafkaTransportError });
      else live.push(pending);
    }
    if (live.length === 0) return failed;
    // Assign partitions per request, then group by topic in input order.
    const byTopic = new Map<string, Message[]>();
    const placements: number[][] = [];
    let sendable = 0;
    for (const pending of live) {
      const partitions: number[] = new Array(pending.records.length);
      for (let index = 0; index < pending.records.length; index++) {
        const record = pending.records[index]!;
        const partition = partitionOf(record);
        partitions[index] = partition;
        let messages = byTopic.get(record.topic);
        if (!messages) byTopic.set(record.topic, (messages = []));
        messages.push({ key: record.key ?? null, value: record.value, headers: record.headers, partition, timestamp: record.timestamp });
      }
      placements.push(partitions);
      sendable += pending.records.length;
    }
    let metadata;
    try {
      metadata = await producer!.sendBatch({ acks: -1, compression, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (error) {
      const wrapped = new KafkaTransportError('SEND_FAILED', `the broker did not acknowledge ${sendable} record(s): ${(error as Error).message}`, { cause: error });
      return [...failed, ...live.map((pending) => ({ pending, error: wrapped }))];
    }
    // Records of one partition got consecutive offsets from the base offset, in request order.
    const offsets = new Map<string, PartitionOffsets>();
    for (const m of metadata) offsets.set(`${m.topicName}/${m.partition}`, partitionOffsets(m.baseOffset));
    for (const [i, pending] of live.entries()) {
      const partitions = placements[i]!;
      const acks: RecordAck[] = new Array(pending.records.length);
      for (let index = 0; index < pending.records.length; index++) {
        const topic = pending.records[index]!.topic;
        const partition = partitions[index]!;
        const key = `${topic}/${partition}`;
        let next = offsets.get(key);
        if (!next) offsets.set(key, (next = partitionOffsets(undefined)));
        acks[index] = { topic, partition, offset: next() };
      }
      pending.resolve(acks);
    }
    return failed;
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      for (let attempt = 0; queue.length > 0; ) {
        try {
          await connect();
          attempt = 0;
        } catch (error) {
          // Refused credentials will not get better by waiting: fail at once, with the typed error.
          const refused = authenticationErrorOf(error);
          const wrapped = refused ?? new KafkaTransportError('SEND_FAILED', `cannot connect the producer: ${(error as Error).message}`, { cause: error });
          const delay = computeBackoff(attempt++, deliveryRetryBackoff);
          const retryAt = Date.now() + delay;
          const transient = !refused && isTransientKafkaError(error);
          for (const pending of queue.splice(0)) {
            if (transient && retryAt < pending.deadline) queue.push(pending);
            else pending.reject(wrapped);
          }
          if (queue.length > 0) await sleep(delay);
          continue;
        }
        await sendBatch(takeBatch());
      }
    } finally {
      flushing = false;
      drained?.();
    }
  }

  return {
    send(records) {
      if (closed) return Promise.reject(new KafkaTransportError('PRODUCER_CLOSED', 'the producer is closed'));
      if (records.length === 0) return Promise.resolve([]);
      return new Promise<RecordAck[]>((resolve, reject) => {
        queue.push({ records, bytes: sizeOfAll(records), deadline: Date.now() + deliveryTimeout, resolve, reject });
        // Flush on the next turn so records sent in the same turn share a request.
        if (!flushing) setImmediate(() => void flush());
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      while (flushing || queue.length > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          if (!flushing) void flush();
        });
      }
      if (connecting) {
        await connecting.catch(() => undefined);
        await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
      }
    },
  };
}
