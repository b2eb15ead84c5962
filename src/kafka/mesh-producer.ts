import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
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
}

/** DEFAULT_MAX_BATCH_RECORDS caps the records of one produce request. */
export const DEFAULT_MAX_BATCH_RECORDS = 1000;
/** DEFAULT_MAX_BATCH_BYTES keeps one request well under the broker's 1 MiB `message.max.bytes`. */
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
/** DEFAULT_PARTITION_COUNT_TTL matches kafkajs's `metadataMaxAge`. */
export const DEFAULT_PARTITION_COUNT_TTL = 300_000;

interface Pending {
  records: readonly OutgoingRecord[];
  resolve(acks: RecordAck[]): void;
  reject(error: unknown): void;
}

function sizeOf(record: OutgoingRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers ?? {})) size += name.length + (value?.toString().length ?? 0);
  return size;
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
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  type PartitionMetadata = Parameters<ReturnType<typeof Partitioners.DefaultPartitioner>>[0]['partitionMetadata'];
  const partitionMetadata = new Map<string, { metadata: PartitionMetadata; readAt: number }>();

  async function readPartitionMetadata(topic: string): Promise<PartitionMetadata> {
    try {
      const metadata = await admin!.fetchTopicMetadata({ topics: [topic] });
      const count = metadata.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error('no partitions');
      // The partitioner only needs the count: every partition is taken as available.
      const entry = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      partitionMetadata.set(topic, { metadata: entry, readAt: Date.now() });
      return entry;
    } catch (error) {
      throw new KafkaTransportError('METADATA_FAILED', `cannot read the partitions of topic ${topic} (does it exist? provision it with ensureTopics): ${(error as Error).message}`, { cause: error });
    }
  }

  async function assignPartitions(records: readonly OutgoingRecord[]): Promise<number[]> {
    const now = Date.now();
    const partitions: number[] = [];
    for (const record of records) {
      if (record.partition !== undefined) {
        partitions.push(record.partition);
        continue;
      }
      const cached = partitionMetadata.get(record.topic);
      const metadata = cached && now - cached.readAt < partitionCountTtl ? cached.metadata : await readPartitionMetadata(record.topic);
      partitions.push(partitioner({ topic: record.topic, partitionMetadata: metadata, message: { key: record.key ?? null, value: record.value } as Message }));
    }
    return partitions;
  }

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      const size = next.records.reduce((sum, record) => sum + sizeOf(record), 0);
      if (batch.length > 0 && (records + next.records.length > maxBatchRecords || bytes + size > maxBatchBytes)) break;
      batch.push(queue.shift()!);
      records += next.records.length;
      bytes += size;
    }
    return batch;
  }

  async function sendBatch(batch: Pending[]): Promise<void> {
    // Assign partitions per request, then group by topic-partition in input order.
    const placed: { pending: Pending; index: number; topic: string; partition: number; record: OutgoingRecord }[] = [];
    const failed = new Set<Pending>();
    for (const pending of batch) {
      try {
        const partitions = await assignPartitions(pending.records);
        for (const [index, record] of pending.records.entries()) {
          placed.push({ pending, index, topic: record.topic, partition: partitions[index]!, record });
        }
      } catch (error) {
        failed.add(pending);
        pending.reject(error);
      }
    }
    const sendable = placed.filter((entry) => !failed.has(entry.pending));
    if (sendable.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, partition, record } of sendable) {
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: record.key ?? null, value: record.value, headers: record.headers, partition, timestamp: record.timestamp });
      byTopic.set(topic, messages);
    }
    const live = [...new Set(sendable.map((entry) => entry.pending))];
    let metadata;
    try {
      metadata = await producer!.sendBatch({ acks: -1, compression, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (error) {
      const wrapped = new KafkaTransportError('SEND_FAILED', `the broker did not acknowledge ${sendable.length} record(s): ${(error as Error).message}`, { cause: error });
      for (const pending of live) pending.reject(wrapped);
      return;
    }
    const base = new Map(metadata.map((m) => [`${m.topicName}/${m.partition}`, BigInt(m.baseOffset ?? '0')]));
    const next = new Map<string, bigint>();
    const acks = new Map<Pending, RecordAck[]>(live.map((pending) => [pending, []]));
    for (const { pending, index, topic, partition } of sendable) {
      const key = `${topic}/${partition}`;
      const offset = next.get(key) ?? base.get(key) ?? -1n;
      next.set(key, offset + 1n);
      acks.get(pending)![index] = { topic, partition, offset: offset.toString() };
    }
    for (const pending of live) pending.resolve(acks.get(pending)!);
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        try {
          await connect();
        } catch (error) {
          const wrapped = new KafkaTransportError('SEND_FAILED', `cannot connect the producer: ${(error as Error).message}`, { cause: error });
          for (const pending of queue.splice(0)) pending.reject(wrapped);
          break;
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
        queue.push({ records, resolve, reject });
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
