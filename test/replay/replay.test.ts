import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { replay, ReplayError, ReplayErrorCode, type ReplayProgress, type ReplayRecord } from '../../src/replay/index.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';
import { createTopic, produce, readBack, topicSize, type TestRecord } from './replay-fixtures.js';

const text = (record: ReplayRecord) => String(record.value);

describe('replay', { timeout: 60_000 }, () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('between two timestamps delivers exactly the records stamped in [from, to), out-of-order stamps filtered', async () => {
    const topic = await createTopic(admin, 'replay-time');
    const base = Date.now() - 3_600_000;
    const records: TestRecord[] = [];
    for (let i = 0; i < 30; i++) {
      records.push({ partition: i % 3, key: `k${i}`, value: String(i), timestamp: base + i * 1000 });
      // A CreateTime older than its neighbours, inside the offset range of the window.
      if (i === 12) records.push({ partition: 0, key: 'stray', value: 'stray', timestamp: base + 2000 });
    }
    await produce(kafka, topic, records);

    const delivered: ReplayRecord[] = [];
    const summary = await replay({
      kafka,
      topics: [topic],
      from: { timestamp: new Date(base + 10_000) },
      to: { timestamp: new Date(base + 20_000).toISOString() },
      handler: async (record) => {
        delivered.push(record);
      },
    });

    const values = delivered.map(text).sort((a, b) => Number(a) - Number(b));
    assert.deepEqual(values, ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'], 'from is inclusive, to exclusive');
    assert.ok(delivered.every((record) => Number(record.timestamp) >= base + 10_000 && Number(record.timestamp) < base + 20_000));
    assert.equal(summary.records, 10);
    assert.equal(summary.skipped, 1, 'the stray record inside the offset range is read and left out');
    for (const partition of [0, 1, 2]) {
      const offsets = delivered.filter((record) => record.partition === partition).map((record) => Number(record.offset));
      assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'offset order within a partition');
    }
    const p0 = summary.partitions.find((partition) => partition.partition === 0)!;
    // Partition 0 holds i = 0,3,6,9,12,stray,15,18,21,...: the window is offsets [4, 8).
    assert.deepEqual([p0.startOffset, p0.endOffset, p0.firstOffset, p0.lastOffset, p0.records], ['4', '8', '4', '7', 3]);
    assert.equal(delivered.find((record) => text(record) === '12')?.key?.toString(), 'k12');
  });

  test('offset windows per partition: from inclusive, to exclusive, unlisted partitions skipped', async () => {
    const topic = await createTopic(admin, 'replay-offsets');
    await produce(
      kafka,
      topic,
      [0, 1, 2].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({ partition, value: `${partition}:${i}` }))),
    );
    const seen: string[] = [];
    const summary = await replay({
      kafka,
      topics: [topic],
      from: { offset: { 0: 2, 2: 5 } },
      to: { offset: { 0: 4 } },
      handler: async (record) => {
        seen.push(`${record.partition}@${record.offset}=${text(record)}`);
      },
    });
    assert.deepEqual(seen.sort(), ['0@2=0:2', '0@3=0:3', '2@5=2:5', '2@6=2:6', '2@7=2:7', '2@8=2:8', '2@9=2:9']);
    assert.deepEqual(
      summary.partitions.map((partition) => [partition.partition, partition.startOffset, partition.endOffset, partition.records]),
      [
        [0, '2', '4', 2],
        [2, '5', '10', 5],
      ],
    );

    // One offset for every partition, and an end past the log clamped to the high watermark.
    const tail: string[] = [];
    await replay({ kafka, topics: [{ topic, from: { offset: 8 }, to: { offset: 1_000 } }], handler: async (record) => void tail.push(text(record)) });
    assert.deepEqual(tail.sort(), ['0:8', '0:9', '1:8', '1:9', '2:8', '2:9']);
  });

  test('into another topic copies exactly the window with keys and headers; a dry run writes nothing', async () => {
    const source = await createTopic(admin, 'replay-into-src');
    const target = await createTopic(admin, 'replay-into-dst');
    const base = Date.now() - 600_000;
    await produce(
      kafka,
      source,
      Array.from({ length: 12 }, (_, i) => ({
        key: `agg-${i % 4}`,
        value: `v${i}`,
        timestamp: base + i * 1000,
        headers: { ce_type: `type.${i}`, ce_id: `id-${i}` },
      })),
    );
    const window = { from: { timestamp: base + 3000 }, to: { timestamp: base + 9000 } };

    const dry = await replay({ kafka, topics: [source], ...window, into: target, dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.equal(dry.records, 6, 'the dry run reports what it would copy');
    assert.equal(await topicSize(admin, target), 0, 'the dry run wrote nothing');

    const summary = await replay({ kafka, topics: [source], ...window, into: { topic: target, keepTimestamp: true } });
    assert.equal(summary.records, 6);
    assert.equal(await topicSize(admin, target), 6, 'exactly the window, nothing more');
    const copies = await readBack(kafka, target, 6);
    assert.deepEqual(
      copies.map((copy) => ({ key: copy.key, value: copy.value, timestamp: copy.timestamp, headers: copy.headers })).sort((a, b) => a.timestamp - b.timestamp),
      [3, 4, 5, 6, 7, 8].map((i) => ({ key: `agg-${i % 4}`, value: `v${i}`, timestamp: base + i * 1000, headers: { ce_type: `type.${i}`, ce_id: `id-${i}` } })),
    );

    const mirror = await createTopic(admin, 'replay-into-mirror');
    await replay({ kafka, topics: [source], into: { topic: mirror, keepPartition: true } });
    const originals = await readBack(kafka, source, 12);
    const mirrored = await readBack(kafka, mirror, 12);
    const placement = (records: typeof originals) => records.map((record) => `${record.partition}/${record.offset}/${record.value}`).sort();
    assert.deepEqual(placement(mirrored), placement(originals), 'keepPartition: same partitions, same order, so the same offsets');
  });

  test('a dry run calls no handler and still counts', async () => {
    const topic = await createTopic(admin, 'replay-dry', 2);
    await produce(kafka, topic, Array.from({ length: 8 }, (_, i) => ({ value: String(i) })));
    let calls = 0;
    const summary = await replay({ kafka, topics: [topic], dryRun: true, handler: async () => void calls++ });
    assert.equal(calls, 0);
    assert.equal(summary.records, 8);
  });

  test('the rate limit is honoured: n records at r/s take at least (n - 1) / r seconds', async () => {
    const topic = await createTopic(admin, 'replay-rate', 2);
    const count = 30;
    const rate = 20;
    await produce(kafka, topic, Array.from({ length: count }, (_, i) => ({ value: String(i) })));
    const progress: ReplayProgress[] = [];
    let delivered = 0;
    const started = performance.now();
    const summary = await replay({
      kafka,
      topics: [topic],
      rateLimit: rate,
      progressIntervalMs: 200,
      onProgress: (report) => progress.push(report),
      handler: async () => void delivered++,
    });
    const elapsed = performance.now() - started;
    assert.equal(delivered, count);
    const lowerBound = ((count - 1) / rate) * 1000;
    assert.ok(elapsed >= lowerBound, `took ${elapsed.toFixed(0)} ms, at least ${lowerBound} ms expected`);
    assert.ok(summary.durationMs >= lowerBound);
    assert.ok(progress.length >= 3, `progress reported ${progress.length} times`);
    const last = progress.at(-1)!;
    assert.deepEqual([last.done, last.total, last.records, last.etaMs], [count, count, count, 0]);
    const middle = progress.find((report) => report.done > 0 && report.done < count);
    assert.ok(middle && middle.ratePerSecond > 0 && middle.ratePerSecond <= rate * 1.5 && middle.etaMs !== undefined && middle.etaMs > 0);
  });

  test("live groups' committed offsets are unchanged by a replay, and its throwaway group is gone afterwards", async () => {
    const topic = await createTopic(admin, 'replay-live');
    await produce(kafka, topic, Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
    const groupId = uniqueName('live-group');
    const live = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await live.connect();
    await live.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    // The live group handles (and commits) 10 records, then pauses and stays a member during the replay.
    await new Promise<void>((resolve, reject) => {
      live
        .run({
          autoCommit: false,
          eachMessage: async ({ topic: from, partition, message, pause }) => {
            if (consumed >= 10) {
              pause();
              return;
            }
            consumed++;
            await live.commitOffsets([{ topic: from, partition, offset: String(Number(message.offset) + 1) }]);
            if (consumed === 10) resolve();
          },
        })
        .catch(reject);
    });
    try {
      const before = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committedBefore = before[0]!.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
      assert.equal(committedBefore, 10);

      const summary = await replay({ kafka, topics: [topic], handler: async () => undefined });
      assert.equal(summary.records, 30);

      const afterReplay = await admin.fetchOffsets({ groupId, topics: [topic] });
      assert.deepEqual(afterReplay, before);
      const { groups } = await admin.listGroups();
      assert.ok(summary.groupId?.startsWith('mesh-replay-'));
      assert.ok(!groups.some((group) => group.groupId === summary.groupId), 'the throwaway group was deleted');
    } finally {
      await live.disconnect();
    }
  });

  test('a failing handler stops the replay with HANDLER_FAILED and the work done so far; an abort with ABORTED', async () => {
    const topic = await createTopic(admin, 'replay-fail', 1);
    await produce(kafka, topic, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
    const failure = await replay({
      kafka,
      topics: [topic],
      handler: async (record) => {
        if (text(record) === '4') throw new Error('boom');
      },
    }).then(
      () => assert.fail('replay should fail'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ReplayError);
    assert.equal(failure.code, ReplayErrorCode.HANDLER_FAILED);
    assert.equal((failure.cause as Error).message, 'boom');

    const controller = new AbortController();
    let handled = 0;
    const abort = await replay({
      kafka,
      topics: [topic],
      signal: controller.signal,
      rateLimit: 50,
      handler: async () => {
        if (++handled === 3) controller.abort(new Error('operator stop'));
      },
    }).then(
      () => assert.fail('replay should abort'),
      (error: unknown) => error,
    );
    assert.ok(abort instanceof ReplayError);
    assert.equal(abort.code, ReplayErrorCode.ABORTED);
    assert.equal(abort.summary?.records, 3, 'records whose handler returned are counted, nothing after the abort runs');
    assert.equal(handled, 3);
  });

  test('a topic ending in transaction markers and aborted records still ends, delivering only committed records', async () => {
    const topic = await createTopic(admin, 'replay-tx', 1);
    const producer = kafka.producer({ transactionalId: uniqueName('replay-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'c1' }, { value: 'c2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'a1' }, { value: 'a2' }] });
    await aborted.abort();
    await producer.disconnect();
    // Offsets: c1, c2, commit marker, a1, a2, abort marker: the high watermark is 6.
    const values: string[] = [];
    const summary = await replay({ kafka, topics: [topic], handler: async (record) => void values.push(text(record)) });
    assert.equal(summary.partitions[0]?.endOffset, '6');
    assert.deepEqual(values, ['c1', 'c2']);
    // From the commit marker on, every fetched batch is filtered out entirely: the replay still ends.
    const tail = await replay({ kafka, topics: [topic], from: { offset: 2 }, handler: async (record) => void values.push(text(record)) });
    assert.deepEqual([tail.records, values.length], [0, 2]);
  });

  test('a topic written to during the replay still ends, at the high watermarks read when it started', async () => {
    const topic = await createTopic(admin, 'replay-busy');
    await produce(kafka, topic, Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
    const producer = kafka.producer();
    await producer.connect();
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `w${i}`, value: 'live' })) });
        written += 10;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      while (written < 20) await new Promise((resolve) => setTimeout(resolve, 10));
      const delivered: ReplayRecord[] = [];
      const summary = await replay({ kafka, topics: [topic], rateLimit: 1000, handler: async (record) => void delivered.push(record) });
      const ends = new Map(summary.partitions.map((partition) => [partition.partition, Number(partition.endOffset)]));
      const windowSize = summary.partitions.reduce((sum, partition) => sum + Number(partition.endOffset) - Number(partition.startOffset), 0);
      assert.ok(windowSize >= 320);
      assert.equal(delivered.length, windowSize, 'every record present at the start, once');
      assert.ok(delivered.every((record) => Number(record.offset) < ends.get(record.partition)!), 'nothing written after the start');
      assert.equal(new Set(delivered.map((record) => `${record.partition}@${record.offset}`)).size, delivered.length);
    } finally {
      writing = false;
      await writer;
      await producer.disconnect();
    }
    assert.ok((await topicSize(admin, topic)) > 320, 'the topic kept growing meanwhile');
  });

  test('an unknown topic is refused with UNKNOWN_TOPIC before reading, naming the missing one; so is an unknown target', async () => {
    const present = await createTopic(admin, 'present');
    const missing = uniqueName('missing');
    await assert.rejects(replay({ kafka, topics: [present, missing], handler: async () => undefined }), (error: unknown) => {
      assert.ok(error instanceof ReplayError);
      assert.equal(error.code, ReplayErrorCode.UNKNOWN_TOPIC);
      assert.equal(error.rawMessage, `topic ${missing} does not exist`);
      return true;
    });
    const target = uniqueName('missing-target');
    await assert.rejects(replay({ kafka, topics: [present], into: target }), { code: ReplayErrorCode.UNKNOWN_TOPIC, rawMessage: `target topic ${target} does not exist` });
    assert.equal((await admin.listTopics()).includes(missing) || (await admin.listTopics()).includes(target), false, 'asking created no topic');
  });
});
