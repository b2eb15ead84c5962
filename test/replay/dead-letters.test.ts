import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin } from 'kafkajs';
import { DeadLetterHeaders, deadLetterTopic } from '../../src/events/dead-letter-headers.js';
import { listDeadLetters, redriveDeadLetters } from '../../src/replay/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { produce, readBack, topicSize, type TestRecord } from './replay-fixtures.js';

const JOB_POSTED = 'mesh.market.v1.JobPosted';
const BID_SUBMITTED = 'mesh.market.v1.BidSubmitted';

describe('dead letters', { timeout: 60_000 }, () => {
  const kafka = testKafka();
  let admin: Admin;
  let origin: string;
  let dlq: string;
  const base = Date.parse('2026-01-01T10:00:00Z');
  const failedAt = (minute: number) => new Date(base + minute * 60_000).toISOString();

  // What the event bus writes: the original key, value and headers, plus the dead-letter headers.
  const deadLetter = (i: number, type: string | undefined, code: string, redriveCount?: number): TestRecord => ({
    key: `agg-${i}`,
    value: `payload-${i}`,
    headers: {
      ...(type === undefined ? {} : { ce_type: type, ce_id: `id-${i}` }),
      'x-custom': `custom-${i}`,
      [DeadLetterHeaders.ERROR_CODE]: code,
      [DeadLetterHeaders.ERROR_MESSAGE]: `failure ${i}`,
      [DeadLetterHeaders.ATTEMPTS]: '3',
      [DeadLetterHeaders.ORIGIN_TOPIC]: origin,
      [DeadLetterHeaders.ORIGIN_PARTITION]: '1',
      [DeadLetterHeaders.ORIGIN_OFFSET]: String(100 + i),
      [DeadLetterHeaders.CONSUMER_GROUP]: 'billing',
      [DeadLetterHeaders.FAILED_AT]: failedAt(i),
      ...(redriveCount === undefined ? {} : { [DeadLetterHeaders.REDRIVE_COUNT]: String(redriveCount) }),
    },
    timestamp: base + i * 60_000,
  });

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    origin = uniqueName('orders');
    dlq = deadLetterTopic(origin);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: origin, numPartitions: 3 }, { topic: dlq, numPartitions: 2 }] });
    await produce(kafka, dlq, [
      deadLetter(0, JOB_POSTED, 'HANDLER_FAILED'),
      deadLetter(1, JOB_POSTED, 'DECODE_FAILED'),
      deadLetter(2, BID_SUBMITTED, 'HANDLER_FAILED'),
      deadLetter(3, JOB_POSTED, 'HANDLER_FAILED', 1),
      deadLetter(4, undefined, 'UNKNOWN_TYPE'),
    ]);
  });
  after(async () => {
    await admin.disconnect();
  });

  test('listDeadLetters parses origin, error, attempts, failed-at and ce_type, oldest first', async () => {
    const list = await listDeadLetters({ kafka, topic: origin, limit: 3 });
    assert.equal(list.dlqTopic, dlq);
    assert.equal(list.total, 5);
    assert.deepEqual(
      list.entries.map((entry) => [entry.key?.toString(), entry.type, entry.errorCode]),
      [
        ['agg-0', JOB_POSTED, 'HANDLER_FAILED'],
        ['agg-1', JOB_POSTED, 'DECODE_FAILED'],
        ['agg-2', BID_SUBMITTED, 'HANDLER_FAILED'],
      ],
    );
    const first = list.entries[0]!;
    assert.equal(first.originTopic, origin);
    assert.equal(first.originPartition, 1);
    assert.equal(first.originOffset, '100');
    assert.equal(first.errorMessage, 'failure 0');
    assert.equal(first.attempts, 3);
    assert.equal(first.consumerGroup, 'billing');
    assert.equal(first.failedAt?.toISOString(), failedAt(0));
    assert.equal(first.id, 'id-0');
    assert.equal(first.redriveCount, 0);
    assert.deepEqual(Object.keys(first.headers).sort(), ['ce_id', 'ce_type', 'x-custom']);

    const untyped = await listDeadLetters({ kafka, dlqTopic: dlq, filter: { errorCode: 'UNKNOWN_TYPE' } });
    assert.deepEqual([untyped.total, untyped.entries[0]?.type], [1, undefined]);
    const never = uniqueName('never-failed');
    assert.deepEqual(await listDeadLetters({ kafka, topic: never }), { dlqTopic: deadLetterTopic(never), total: 0, entries: [] }, 'a DLQ never created lists empty');
  });

  test('redrive moves the dead letters matching type and error code back to their origin, headers intact; dry run first', async () => {
    const filter = { type: JOB_POSTED, errorCode: 'HANDLER_FAILED' };
    const planned = await redriveDeadLetters({ kafka, topic: origin, filter, dryRun: true });
    assert.equal(planned.dryRun, true);
    assert.equal(planned.scanned, 5);
    assert.deepEqual(planned.moved.map((moved) => [moved.entry.key?.toString(), moved.offset]).sort(), [['agg-0', undefined], ['agg-3', undefined]]);
    assert.equal(await topicSize(admin, origin), 0, 'the dry run wrote nothing');

    const done = await redriveDeadLetters({ kafka, topic: origin, filter });
    assert.equal(done.moved.length, 2);
    assert.ok(done.moved.every((moved) => moved.offset !== undefined && moved.partition !== undefined));
    assert.equal(await topicSize(admin, origin), 2, 'only the matching records were moved');
    const back = (await readBack(kafka, origin, 2)).sort((a, b) => a.value.localeCompare(b.value));
    assert.deepEqual(
      back.map(({ key, value, headers }) => ({ key, value, headers })),
      [
        { key: 'agg-0', value: 'payload-0', headers: { ce_type: JOB_POSTED, ce_id: 'id-0', 'x-custom': 'custom-0', [DeadLetterHeaders.REDRIVE_COUNT]: '1' } },
        { key: 'agg-3', value: 'payload-3', headers: { ce_type: JOB_POSTED, ce_id: 'id-3', 'x-custom': 'custom-3', [DeadLetterHeaders.REDRIVE_COUNT]: '2' } },
      ],
      'original key, value and headers; dead-letter headers stripped; redrive count incremented',
    );
    for (const moved of done.moved) {
      const copy = back.find((record) => record.key === moved.entry.key?.toString())!;
      assert.deepEqual([copy.partition, copy.offset], [moved.partition, moved.offset], 'the reported position is where the record is');
    }
  });

  test('redrive filters by failure time: since inclusive, until exclusive', async () => {
    const target = uniqueName('orders-time');
    const targetDlq = deadLetterTopic(target);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: target, numPartitions: 1 }, { topic: targetDlq, numPartitions: 1 }] });
    await produce(
      kafka,
      targetDlq,
      [0, 1, 2, 3].map((i) => ({
        key: `k${i}`,
        value: `v${i}`,
        headers: { [DeadLetterHeaders.ORIGIN_TOPIC]: target, [DeadLetterHeaders.ERROR_CODE]: 'HANDLER_FAILED', [DeadLetterHeaders.FAILED_AT]: failedAt(i) },
      })),
    );
    const done = await redriveDeadLetters({ kafka, dlqTopic: targetDlq, filter: { since: failedAt(1), until: new Date(failedAt(3)) } });
    assert.deepEqual(done.moved.map((moved) => moved.entry.key?.toString()), ['k1', 'k2']);
    assert.deepEqual((await readBack(kafka, target, 2)).map((record) => record.value), ['v1', 'v2']);
  });

  test('redrive keeps a dead letter whose value was cut to fit the DLQ and reports it as unrestorable', async () => {
    const target = uniqueName('orders-cut');
    const targetDlq = deadLetterTopic(target);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: target, numPartitions: 1 }, { topic: targetDlq, numPartitions: 1 }] });
    const failed = { [DeadLetterHeaders.ORIGIN_TOPIC]: target, [DeadLetterHeaders.ERROR_CODE]: 'DECODE_FAILED' };
    await produce(kafka, targetDlq, [
      { key: 'whole', value: 'all of it', headers: failed },
      { key: 'cut', value: 'the first b', headers: { ...failed, [DeadLetterHeaders.ORIGINAL_VALUE_BYTES]: '2000000' } },
    ]);
    const listed = await listDeadLetters({ kafka, dlqTopic: targetDlq });
    assert.deepEqual(listed.entries.map((entry) => [entry.key?.toString(), entry.originalValueBytes]), [['whole', undefined], ['cut', 2_000_000]]);

    const done = await redriveDeadLetters({ kafka, dlqTopic: targetDlq });
    assert.deepEqual(done.moved.map((moved) => moved.entry.key?.toString()), ['whole']);
    assert.deepEqual(done.unrestorable.map((entry) => entry.key?.toString()), ['cut']);
    assert.deepEqual((await readBack(kafka, target, 1)).map((record) => record.value), ['all of it']);
    assert.equal(await topicSize(admin, target), 1, 'the cut record was not sent back');
  });
});
