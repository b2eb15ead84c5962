// Helpers shared by the replay tests: fresh topics, records with explicit
// partitions and timestamps, and an independent plain-consumer read-back.
import type { Admin, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName } from '../support/kafka.js';

export interface TestRecord {
  partition?: number;
  key?: string;
  value: string;
  timestamp?: number;
  headers?: IHeaders;
}

/** createTopic creates a fresh topic and waits for its leaders. */
export async function createTopic(admin: Admin, prefix: string, numPartitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] });
  return topic;
}

/** produce writes records in order, waiting for the broker's acknowledgement. */
export async function produce(kafka: Kafka, topic: string, records: readonly TestRecord[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({
        value: record.value,
        ...(record.key === undefined ? {} : { key: record.key }),
        ...(record.partition === undefined ? {} : { partition: record.partition }),
        ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
        ...(record.headers === undefined ? {} : { headers: record.headers }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** ReadBack is a record read by a plain consumer, with text fields. */
export interface ReadBack {
  partition: number;
  offset: string;
  key: string | undefined;
  value: string;
  timestamp: number;
  headers: Record<string, string>;
}

/** readBack reads exactly `count` records of `topic` with a plain consumer group, independent of src/replay. */
export async function readBack(kafka: Kafka, topic: string, count: number, timeoutMs = 15_000): Promise<ReadBack[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('readback'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const records: ReadBack[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} records of ${topic}`)), timeoutMs);
      if (count === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records.push(toReadBack(partition, message));
            if (records.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

function toReadBack(partition: number, message: KafkaMessage): ReadBack {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
  return { partition, offset: message.offset, key: message.key?.toString(), value: String(message.value), timestamp: Number(message.timestamp), headers };
}

/** topicSize is the number of offsets of a topic (sum of high watermarks minus log starts). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
}
