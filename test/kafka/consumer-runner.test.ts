import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin } from 'kafkajs';
import { BackPressureError, createConsumerRunner, createMeshProducer, ensureTopics, type CrashEvent, type MeshProducer } from '../../src/kafka/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { waitFor } from '../events/event-test-support.js';

async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets!.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

describe('consumer runner', () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: MeshProducer;
  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = createMeshProducer(kafka);
  });
  after(async () => {
    await producer.close();
    await admin.disconnect();
  });

  async function topicWith(count: number, partitions = 1): Promise<string> {
    const topic = uniqueName('runner');
    await ensureTopics(admin, [{ topic, partitions }]);
    await producer.send(Array.from({ length: count }, (_, i) => ({ topic, key: `k${i % partitions}`, value: String(i) })));
    return topic;
  }

  test('commits only handled records: a failed record is delivered again, and stop commits what was handled', async () => {
    const topic = await topicWith(10);
    const groupId = uniqueName('g');
    const seen: number[] = [];
    let failedOnce = false;
    const runner = createConsumerRunner(kafka, {
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (record) => {
        const value = Number(String(record.value));
        if (value === 4 && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        seen.push(value);
      },
    });
    await runner.start();
    await waitFor('all records', () => seen.length >= 10);
    await runner.stop();
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'record 4 is handled after its failure, in order, nothing twice');
    assert.equal(await committed(admin, groupId, topic), 10);
  });

  test('a TypeError that makes kafkajs give up does not leave the consumer stopped', async () => {
    const topic = await topicWith(5);
    const seen: number[] = [];
    const crashes: CrashEvent[] = [];
    let thrown = false;
    const runner = createConsumerRunner(kafka, {
      groupId: uniqueName('g'),
      topics: [topic],
      fromBeginning: true,
      restartBackoff: { initialDelay: 100, jitter: 'none' },
      handler: async (record) => {
        const value = Number(String(record.value));
        if (value === 2 && !thrown) {
          thrown = true;
          // A programming error: kafkajs treats it as unrecoverable and does not restart.
          (undefined as unknown as { x: () => void }).x();
        }
        seen.push(value);
      },
    });
    runner.onCrash((event) => crashes.push(event));
    await runner.start();
    try {
      await waitFor('all records after the restart', () => seen.length >= 5);
    } finally {
      await runner.stop();
    }
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0]!.rootCause.name, 'TypeError');
    assert.equal(crashes[0]!.restartedBy, 'runner');
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  });

  test('back-pressure pauses only its partition and delivers the record again after the pause', async () => {
    const topic = uniqueName('runner-bp');
    await ensureTopics(admin, [{ topic, partitions: 2 }]);
    await producer.send([
      { topic, partition: 0, value: 'p0-a' },
      { topic, partition: 0, value: 'p0-b' },
      ...Array.from({ length: 5 }, (_, i) => ({ topic, partition: 1, value: `p1-${i}` })),
    ]);
    const handled: { value: string; at: number }[] = [];
    let pushedBackAt = 0;
    const runner = createConsumerRunner(kafka, {
      groupId: uniqueName('g'),
      topics: [topic],
      fromBeginning: true,
      concurrency: 2,
      handler: async (record) => {
        const value = String(record.value);
        if (value === 'p0-a' && pushedBackAt === 0) {
          pushedBackAt = Date.now();
          throw new BackPressureError(1500);
        }
        handled.push({ value, at: Date.now() });
      },
    });
    await runner.start();
    try {
      await waitFor('every record', () => handled.length >= 7);
    } finally {
      await runner.stop();
    }
    const p0 = handled.filter((entry) => entry.value.startsWith('p0'));
    const p1 = handled.filter((entry) => entry.value.startsWith('p1'));
    assert.deepEqual(p0.map((entry) => entry.value), ['p0-a', 'p0-b'], 'the pushed-back record comes again, before the next one');
    assert.ok(p0[0]!.at - pushedBackAt >= 1400, `partition 0 waited for the pause (${p0[0]!.at - pushedBackAt} ms)`);
    assert.ok(p1.every((entry) => entry.at < p0[0]!.at), 'partition 1 went on meanwhile');
  });

  test('a long batch commits what was handled every commitInterval, never the record being handled, and a synchronous handler works too', async () => {
    const topic = await topicWith(30);
    const groupId = uniqueName('g');
    const seen: number[] = [];
    let committedDuring20 = -1;
    const runner = createConsumerRunner(kafka, {
      groupId,
      topics: [topic],
      fromBeginning: true,
      commitInterval: 200,
      handler: (record) => {
        const value = Number(String(record.value));
        seen.push(value);
        // Records past 20 return nothing: no promise for the runner to wait for.
        if (value > 20) return;
        if (value < 20) return new Promise((resolve) => setTimeout(resolve, 40));
        return committed(admin, groupId, topic).then((offset) => void (committedDuring20 = offset));
      },
    });
    await runner.start();
    try {
      await waitFor('all records', () => seen.length >= 30);
    } finally {
      await runner.stop();
    }
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i));
    // 20 records of 40 ms: about 800 ms of handling, so several commits happened by then.
    assert.ok(committedDuring20 >= 5, `handled records were committed during the batch (${committedDuring20} by record 20)`);
    assert.ok(committedDuring20 <= 20, `nothing past the handled records was committed (${committedDuring20})`);
    assert.equal(await committed(admin, groupId, topic), 30, 'stop commits the rest');
  });
});
