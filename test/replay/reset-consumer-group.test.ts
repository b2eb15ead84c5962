import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { ReplayError, ReplayErrorCode, resetConsumerGroup } from '../../src/replay/index.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';
import { createTopic, produce } from './replay-fixtures.js';

// Runs a member of `groupId` that commits each record it handles, until it has seen `count`.
async function consumeWithGroup(kafka: Kafka, groupId: string, topic: string, count: number): Promise<{ consumer: Consumer; values: string[] }> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${count}`)), 15_000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          values.push(String(message.value));
          await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          if (values.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  return { consumer, values };
}

const committed = async (admin: Admin, groupId: string, topic: string) =>
  (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map(({ partition, offset }) => [partition, offset]).sort(([a], [b]) => Number(a) - Number(b));

describe('resetConsumerGroup', { timeout: 60_000 }, () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('refuses with GROUP_ACTIVE while the group has members, and resets it once stopped', async () => {
    const topic = await createTopic(admin, 'reset', 2);
    const base = Date.now() - 600_000;
    await produce(kafka, topic, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: String(i), timestamp: base + i * 1000 })));
    const groupId = uniqueName('reset-group');
    // A group with no offsets starts at latest: pre-position it at the beginning, which the reset itself allows.
    await resetConsumerGroup({ kafka, groupId, topic, to: 'earliest' });
    const first = await consumeWithGroup(kafka, groupId, topic, 20);
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '10'], [1, '10']]);

    const refused = await resetConsumerGroup({ kafka, groupId, topic, to: { timestamp: base + 10_000 } }).catch((error: unknown) => error);
    assert.ok(refused instanceof ReplayError);
    assert.equal(refused.code, ReplayErrorCode.GROUP_ACTIVE);
    assert.equal(refused.group?.members, 1);
    await first.consumer.disconnect();
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '10'], [1, '10']], 'a refused reset changes nothing');

    const planned = await resetConsumerGroup({ kafka, groupId, topic, to: { timestamp: new Date(base + 10_000) }, dryRun: true });
    // i = 10 is the 6th record of partition 0 (offset 5), i = 11 the 6th of partition 1.
    assert.deepEqual(planned.partitions, [
      { partition: 0, previousOffset: '10', offset: '5' },
      { partition: 1, previousOffset: '10', offset: '5' },
    ]);
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '10'], [1, '10']], 'a dry run commits nothing');

    const done = await resetConsumerGroup({ kafka, groupId, topic, to: { timestamp: base + 10_000 } });
    assert.equal(done.dryRun, false);
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '5'], [1, '5']]);
    const again = await consumeWithGroup(kafka, groupId, topic, 10);
    await again.consumer.disconnect();
    assert.deepEqual(again.values.map(Number).sort((a, b) => a - b), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the group reprocesses from the time on');

    await resetConsumerGroup({ kafka, groupId, topic, to: { offset: { 1: 7 } } });
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '10'], [1, '7']], 'only the listed partition moved');
    await resetConsumerGroup({ kafka, groupId, topic, to: 'earliest' });
    assert.deepEqual(await committed(admin, groupId, topic), [[0, '0'], [1, '0']], 'earliest is committed as a concrete offset');
  });
});
