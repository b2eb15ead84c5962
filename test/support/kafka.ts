import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../src/kafka/create-kafka.js';

/** uniqueName gives each test its own topics and groups, so runs never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** testKafka is a kafkajs client on the broker the test command started (KAFKA_BROKERS). */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return createKafka({ clientId });
}
