import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { createKafka } from '../../src/kafka/create-kafka.js';

/** uniqueName gives each test its own topics and groups, so runs never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** testKafka is a kafkajs client on the broker the test command started (KAFKA_BROKERS). */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return createKafka({ clientId });
}

/**
 * useAdmin gives the enclosing suite one kafkajs admin, connected before its
 * first test and disconnected after its last.
 */
export function useAdmin(kafka: Kafka): Admin {
  const admin = kafka.admin();
  before(() => admin.connect());
  after(() => admin.disconnect());
  return admin;
}

/** readRecords reads `expected` records of a topic from its beginning through a throwaway consumer group. */
export async function readRecords(kafka: Kafka, topic: string, expected: number): Promise<{ partition: number; message: KafkaMessage }[]> {
  const records: { partition: number; message: KafkaMessage }[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('read-records') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: ${records.length} of ${expected} records`)), 20_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({ partition, message });
          if (records.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
