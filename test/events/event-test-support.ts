import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createEventBus, type EventBus, type EventBusOptions } from '../../src/events/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';

/** testBus is an event bus on its own topic prefix, so tests never share `events.users`. */
export function testBus(options: Partial<EventBusOptions> & { kafka?: Kafka } = {}): EventBus {
  return createEventBus({ source: 'test', kafka: options.kafka ?? testKafka(), topicPrefix: `${uniqueName('t')}.`, ...options });
}

/** waitFor polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** readTopic reads the first `count` records of a topic (all partitions) with a throw-away group. */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('read'), maxWaitTimeInMs: 200 });
  const records: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
    await waitFor(`${count} records on ${topic}`, () => records.length >= count, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** header reads one header of a raw record as a string. */
export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
}
