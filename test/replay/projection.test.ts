import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { createProjection, ReplayErrorCode, type ReplayRecord } from '../../src/replay/index.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';
import { createTopic, produce } from './replay-fixtures.js';

interface Ledger {
  balances: Record<string, number>;
  /** Order matters within an account: the test fails if records of a partition were applied out of order or twice. */
  history: Record<string, number[]>;
  records: number;
}

const ledger = (topic: string) =>
  createProjection<Ledger>({
    name: uniqueName('ledger'),
    topics: [topic],
    initialState: { balances: {}, history: {}, records: 0 },
    apply: (state, record: ReplayRecord) => {
      const account = String(record.key);
      const amount = Number(String(record.value));
      state.balances[account] = (state.balances[account] ?? 0) + amount;
      (state.history[account] ??= []).push(amount);
      state.records++;
      return state;
    },
  });

const deposits = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ key: `account-${(from + i) % 7}`, value: String(from + i) }));

// Writes records in a committed transaction, so the partitions end in transaction markers.
/**
 * produceTransactionally commits `records` in one transaction and waits until
 * read-committed readers can see them: commit() returns once the coordinator
 * decided, but the partitions' commit markers are written after that (on a
 * freshly started broker, noticeably later), and until then the records are
 * not yet "present" for a read-committed consumer or offset lookup.
 */
async function produceTransactionally(kafka: Kafka, admin: Admin, topic: string, records: { key: string; value: string }[]): Promise<void> {
  const before = await committedEnd(admin, topic);
  const producer = kafka.producer({ transactionalId: uniqueName('ledger-tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: records });
  await transaction.commit();
  await producer.disconnect();
  for (let waited = 0; (await committedEnd(admin, topic)) < before + records.length; waited += 50) {
    assert.ok(waited < 20_000, 'the commit markers were written');
    await sleep(50);
  }
}

/** committedEnd sums the read-committed end offsets of a topic's partitions. */
async function committedEnd(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.offset), 0);
}

describe('createProjection', { timeout: 60_000 }, () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('a projection wiped and rebuilt by replay is identical to the live one', async () => {
    const topic = await createTopic(admin, 'ledger');
    await produce(kafka, topic, deposits(0, 40));
    const live = ledger(topic);
    const rebuilt = ledger(topic);
    try {
      await live.start();
      assert.equal(live.state.records, 40, 'start resolves once caught up');
      await produceTransactionally(kafka, admin, topic, deposits(40, 30));
      await live.catchUp();
      assert.equal(live.state.records, 70);
      const liveSnapshot = live.snapshot();

      await rebuilt.rebuild();
      assert.equal(rebuilt.snapshot(), liveSnapshot);
      await rebuilt.rebuild();
      assert.equal(rebuilt.snapshot(), liveSnapshot, 'a rebuild wipes first: nothing is counted twice');

      const summary = await live.rebuild();
      assert.equal(summary.records, 70);
      assert.equal(live.snapshot(), liveSnapshot, 'the running projection rebuilt in place');
      assert.equal(live.running, true);
      await produce(kafka, topic, deposits(70, 10));
      await live.catchUp();
      assert.equal(live.state.records, 80, 'after a rebuild it follows on from where the rebuild ended, without repeats');
      await rebuilt.rebuild();
      assert.equal(rebuilt.snapshot(), live.snapshot());
      const expected = Array.from({ length: 80 }, (_, i) => i).reduce((sum, value) => sum + value, 0);
      assert.equal(Object.values(live.state.balances).reduce((sum, value) => sum + value, 0), expected);
    } finally {
      await live.stop();
      await rebuilt.stop();
    }
  });

  test('a failing apply surfaces from catchUp with HANDLER_FAILED; a stopped projection cannot catch up', async () => {
    const topic = await createTopic(admin, 'ledger-fail', 1);
    await produce(kafka, topic, [{ key: 'a', value: '1' }]);
    const failing = createProjection<number>({
      name: uniqueName('failing'),
      topics: [topic],
      initialState: 0,
      apply: (state, record) => {
        if (String(record.value) === 'poison') throw new Error('bad record');
        return state + 1;
      },
    });
    try {
      await failing.start();
      assert.equal(failing.snapshot(), '1');
      await produce(kafka, topic, [{ key: 'a', value: 'poison' }]);
      await assert.rejects(failing.catchUp(), { code: ReplayErrorCode.HANDLER_FAILED });
    } finally {
      await failing.stop();
    }
    await produce(kafka, topic, [{ key: 'a', value: '2' }]);
    await assert.rejects(failing.catchUp(), { code: ReplayErrorCode.NOT_RUNNING });
  });
});
