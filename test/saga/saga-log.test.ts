import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { SagaSchema, SagaStatus, SagaTransition_Kind as Kind, SagaTransitionSchema } from '../../gen/mesh/v1/saga_pb.js';
import { ensureTopics } from '../../src/kafka/index.js';
import { createSagaLog, readSagaHistory, sagaTopicSpecs, SagaError, type SagaLog, type SagaLogEntry } from '../../src/saga/index.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';
import { readCommitted } from '../support/read-committed.js';
import { testSagaLog } from './saga-test-support.js';

const kafka = testKafka();

function entry(sagaId: string, sequence: bigint): SagaLogEntry {
  return {
    snapshot: create(SagaSchema, { sagaId, name: 'log-test', definitionVersion: 1, status: SagaStatus.RUNNING }),
    transition: create(SagaTransitionSchema, { sagaId, name: 'log-test', definitionVersion: 1, kind: sequence === 1n ? Kind.STARTED : Kind.STEP_STARTED, sequence }),
  };
}

/** track tells, without waiting, whether a promise has settled and how. */
function track(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const tracked: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (tracked.state = 'resolved'),
    (error: unknown) => Object.assign(tracked, { state: 'rejected', error }),
  );
  return tracked;
}

const isFenced = (error: unknown) => error instanceof SagaError && error.code === 'FENCED';

// The rolling transaction of the background log: appends that may wait
// (commitWithinMs) go into the partition's open transaction at once, and
// whatever commits it, or fails it, settles them all.
describe('saga log: appends that wait for their commit', () => {
  const admin = useAdmin(kafka);
  const logs: SagaLog[] = [];
  let topics: ReturnType<typeof testSagaLog>['topics'];
  let prefix: string;
  const newLog = () => {
    const log = createSagaLog({ kafka, topics, transactionalIdPrefix: prefix });
    logs.push(log);
    return log;
  };
  const history = async () => (await readSagaHistory({ kafka, topic: topics.history, partitions: [0] })).map((transition) => `${transition.sagaId}:${transition.sequence}`);

  before(async () => {
    topics = testSagaLog().topics;
    await ensureTopics(admin, sagaTopicSpecs(topics, 1));
  });
  after(async () => {
    await Promise.all(logs.map((log) => log.close()));
  });

  test('an append that may wait is committed by the next append that may not, in one transaction', async () => {
    prefix = uniqueName('saga-log');
    const log = newLog();
    await log.claim(0);
    const lazy = track(log.append(0, [entry('a', 1n)], { commitWithinMs: 20_000 }));
    await sleep(500);
    assert.equal(lazy.state, 'pending', 'not committed before its bound while nothing else asks for a commit');
    await log.append(0, [entry('b', 1n)]);
    assert.equal(lazy.state, 'resolved', 'committed with the append that asked for it');
    assert.deepEqual(await readCommitted(history, (read) => read.length >= 2), ['a:1', 'b:1']);
    // An empty append only commits: it finds nothing open and resolves.
    await log.append(0, []);
  });

  test('isOpen: true once an append that may wait is sent, false again once its transaction is committed', async () => {
    prefix = uniqueName('saga-log');
    const log = newLog();
    await log.claim(0);
    assert.equal(log.isOpen(0), false, 'a fresh claim has nothing open');
    assert.equal(log.isOpen(5), false, 'a partition not owned has nothing open');
    const lazy = track(log.append(0, [entry('o', 1n)], { commitWithinMs: 20_000 }));
    try {
      for (let waited = 0; !log.isOpen(0) && waited < 10_000; waited += 10) await sleep(10);
      assert.equal(log.isOpen(0), true, 'open while the append waits for its commit');
      assert.equal(lazy.state, 'pending');
    } finally {
      // Committed either way: an open transaction would hold back the next tests' read_committed reads.
      await log.append(0, []);
    }
    assert.equal(lazy.state, 'resolved');
    assert.equal(log.isOpen(0), false, 'closed by the commit');
  });

  test('an append that may wait is committed at its bound, and an empty append commits the open transaction at once', async () => {
    prefix = uniqueName('saga-log');
    const log = newLog();
    await log.claim(0);
    const started = performance.now();
    await log.append(0, [entry('c', 1n)], { commitWithinMs: 300 });
    const took = performance.now() - started;
    assert.ok(took >= 290 && took < 10_000, `committed at its bound (${took.toFixed(0)} ms)`);
    const lazy = track(log.append(0, [entry('c', 2n)], { commitWithinMs: 20_000 }));
    await sleep(300);
    assert.equal(lazy.state, 'pending');
    await log.append(0, []);
    assert.equal(lazy.state, 'resolved', 'the empty append committed it');
    assert.deepEqual((await readCommitted(history, (read) => read.includes('c:2'))).slice(-2), ['c:1', 'c:2']);
  });

  test('appends in an open transaction fail with it when another coordinator takes the partition, and none of them is in the log', async () => {
    prefix = uniqueName('saga-log');
    const zombie = newLog();
    await zombie.claim(0);
    const before = await history();
    const held = track(zombie.append(0, [entry('d', 1n)], { commitWithinMs: 20_000 }));
    await sleep(500);
    assert.equal(held.state, 'pending');
    // The new owner's claim fences the zombie and aborts its open transaction.
    const owner = newLog();
    await owner.claim(0);
    const late = track(zombie.append(0, [entry('d', 2n)]));
    const waited = Date.now();
    while ((held.state === 'pending' || late.state === 'pending') && Date.now() - waited < 20_000) await sleep(20);
    assert.equal(held.state, 'rejected', 'the append already in the aborted transaction failed');
    assert.ok(isFenced(held.error), `FENCED: ${String(held.error)}`);
    assert.equal(late.state, 'rejected', 'the append that would have committed it failed too');
    assert.ok(isFenced(late.error), `FENCED: ${String(late.error)}`);
    await owner.append(0, [entry('e', 1n)]);
    assert.deepEqual((await readCommitted(history, (read) => read.includes('e:1'))).slice(before.length), ['e:1'], 'only the new owner’s record is in the log');
  });

  test('release fails the appends of the open transaction and aborts it', async () => {
    prefix = uniqueName('saga-log');
    const log = newLog();
    await log.claim(0);
    const before = await history();
    const held = track(log.append(0, [entry('f', 1n)], { commitWithinMs: 20_000 }));
    await sleep(500);
    await log.release(0);
    await sleep(0);
    assert.equal(held.state, 'rejected');
    assert.ok(isFenced(held.error), `FENCED: ${String(held.error)}`);
    await log.claim(0);
    await log.append(0, [entry('g', 1n)]);
    assert.deepEqual((await readCommitted(history, (read) => read.includes('g:1'))).slice(before.length), ['g:1'], 'the released transaction left nothing in the log');
  });
});
