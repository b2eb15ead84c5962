import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, KafkaMessage } from 'kafkajs';
import { readRecords, testKafka, uniqueName } from '../support/kafka.js';
import { runCliToEnd } from './cli-process.js';

const kafka = testKafka();
let admin: Admin;
const created: string[] = [];
const RECORDS_PER_PARTITION = 6;

/** readAll reads every record of a topic through a throwaway consumer. */
function readAll(topic: string, expected: number) {
  return readRecords(kafka, topic, expected);
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('mesh replay', () => {
  test('--into a new topic copies exactly the window [from, to) of every partition; --dry-run writes nothing', async () => {
    const source = uniqueName('replay-cli-src');
    const target = `${source}.copy`;
    const dryTarget = `${source}.dry`;
    created.push(source, target, dryTarget);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({
        topic: source,
        messages: Array.from({ length: RECORDS_PER_PARTITION }, (_, offset) => ({ partition, key: `k${partition}`, value: `p${partition}-o${offset}`, headers: { n: String(offset) } })),
      });
    }
    await producer.disconnect();

    const dry = await runCliToEnd(['replay', '--topic', source, '--from', '2', '--to', '5', '--into', dryTarget, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).records, 6);
    assert.equal((await admin.listTopics()).includes(dryTarget), false, 'a dry run created the target topic');

    const run = await runCliToEnd(['replay', '--topic', source, '--from', '2', '--to', '5', '--into', target]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^mesh: replayed 6 records of /m);
    assert.match(run.stderr, /^mesh: replay 12\/12 offsets|^mesh: replay \d+\/\d+ offsets/m, 'plain progress lines when stderr is not a terminal');
    const copied = await readAll(target, 6);
    const byPartition = (partition: number) => copied.filter((record) => record.partition === partition).map((record) => record.message.value?.toString());
    assert.deepEqual(byPartition(0), ['p0-o2', 'p0-o3', 'p0-o4']);
    assert.deepEqual(byPartition(1), ['p1-o2', 'p1-o3', 'p1-o4']);
    assert.equal(copied[0]!.message.headers?.n?.toString(), copied[0]!.message.value?.toString().slice(-1));
    // Nothing else arrived: the copy holds exactly the window.
    const offsets = await admin.fetchTopicOffsets(target);
    assert.deepEqual(offsets.map((p) => Number(p.high)).sort(), [3, 3]);
  });

  test('a handler module gets each record; a missing topic and a bad position give one clear line', async () => {
    const source = uniqueName('replay-cli-handler');
    created.push(source);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: source, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();

    const handled = await runCliToEnd(['replay', '--topic', source, '--from', '1', '--handler', 'test/cli/fixtures/print-record-handler.ts']);
    assert.equal(handled.code, 0, handled.stderr);
    assert.deepEqual(handled.stdout.split('\n').filter((line) => line.startsWith('record ')), ['record 1 b', 'record 2 c']);

    const missing = await runCliToEnd(['replay', '--topic', `${source}-missing`, '--into', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mesh: topic \S+-missing does not exist; .*\[UNKNOWN_TOPIC\]$/);
    const bad = await runCliToEnd(['replay', '--topic', source, '--from', 'yesterday', '--into', 'x']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /option '--from <position>' argument 'yesterday' is invalid/);
  });
});
