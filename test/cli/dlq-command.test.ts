import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, KafkaMessage } from 'kafkajs';
import { DeadLetterHeaders, deadLetterRecord, deadLetterTopic } from '../../src/events/index.js';
import { readRecords, testKafka, uniqueName } from '../support/kafka.js';
import { runCliToEnd } from './cli-process.js';

const kafka = testKafka();
let admin: Admin;
const created: string[] = [];

async function messagesOf(topic: string): Promise<KafkaMessage[]> {
  const high = (await admin.fetchTopicOffsets(topic))[0]?.high ?? '0';
  return (await readRecords(kafka, topic, Number(high))).map((record) => record.message);
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('mesh dlq', () => {
  test('list and show a dead letter, redrive --dry-run writes nothing, redrive moves it back to its topic', async () => {
    const topic = uniqueName('dlq-cli');
    const dlq = deadLetterTopic(topic);
    created.push(topic, dlq);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const original = { topic, partition: 0, offset: '0', key: Buffer.from('order-1'), value: Buffer.from('payload-1'), headers: { ce_type: 'demo.v1.Thing', ce_id: 'evt-1' }, timestamp: String(Date.now()) };
    await producer.send({ topic, messages: [{ key: original.key, value: original.value, headers: original.headers }] });
    const dead = deadLetterRecord(original, { code: 'HANDLER_FAILED', message: 'boom', attempts: 3, group: 'billing-projector' });
    const other = deadLetterRecord({ ...original, key: Buffer.from('order-2'), headers: { ce_type: 'demo.v1.Other', ce_id: 'evt-2' } }, { code: 'DECODE_FAILED', message: 'bad bytes', attempts: 0, group: 'billing-projector' });
    await producer.send({ topic: dlq, messages: [dead, other].map((record) => ({ key: record.key, value: record.value, headers: record.headers })) });
    await producer.disconnect();

    const list = await runCliToEnd(['dlq', 'list', topic, '--code', 'HANDLER_FAILED', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].type, 'demo.v1.Thing');
    assert.equal(rows[0].key, 'order-1');
    assert.equal(rows[0].errorMessage, 'boom');

    const show = await runCliToEnd(['dlq', 'show', dlq, rows[0].record]);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).consumerGroup, 'billing-projector');

    const dry = await runCliToEnd(['dlq', 'redrive', topic, '--type', 'demo.v1.Thing', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).moved.length, 1);
    assert.equal((await messagesOf(topic)).length, 1, 'a dry run wrote to the topic');

    const redrive = await runCliToEnd(['dlq', 'redrive', topic, '--type', 'demo.v1.Thing']);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /^mesh: redrove 1 of 2 dead letters of /m);
    const messages = await messagesOf(topic);
    assert.equal(messages.length, 2);
    const back = messages[1]!;
    assert.equal(back.key?.toString(), 'order-1');
    assert.equal(back.value?.toString(), 'payload-1');
    assert.equal(back.headers?.ce_type?.toString(), 'demo.v1.Thing');
    assert.equal(back.headers?.[DeadLetterHeaders.REDRIVE_COUNT]?.toString(), '1');
    assert.equal(back.headers?.[DeadLetterHeaders.ERROR_CODE], undefined);

    const unknown = await runCliToEnd(['dlq', 'show', dlq, '0:99']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^mesh: no dead letter 0:99 in \S+; .*\[NOT_FOUND\]$/);
  });

  test('an unreachable broker is one line saying what to do', async () => {
    const result = await runCliToEnd(['dlq', 'list', 'events.users'], { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^mesh: cannot reach Kafka at 127\.0\.0\.1:1 .*start it with `npm run kafka`.*\[BROKER_UNREACHABLE\]$/);
  });
});
