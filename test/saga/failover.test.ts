import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SagaStatus } from '../../gen/mesh/v1/saga_pb.js';
import { sagaPartition } from '../../src/saga/index.js';
import { startCrashHarness, idsInPartition, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, seedAcceptedBid, testSagaLog, waitUntil } from './saga-test-support.js';

describe('two coordinator instances', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('two coordinators: the sagas of a partition that moves, and of the instance killed later, all finish once', async (t) => {
    const log = testSagaLog();
    const count = 6;
    const seeds = await Promise.all(Array.from({ length: count }, () => seedAcceptedBid(harness.services)));
    const before = contractEffects(harness.services);
    // Two sagas per partition, so whichever partitions move, some sagas move with them.
    const ids = [0, 1, 2].flatMap((partition) => idsInPartition(partition, 2));
    const first = harness.startCoordinator(
      log,
      'CreateEscrow',
      seeds.map((seed, index) => ({ input: { jobId: seed.jobId, bidId: seed.bidId }, sagaId: ids[index]! })),
    );
    await waitUntil('every saga of the first coordinator to be at its escrow', () => first.lines.filter((line) => line === 'CALLED CreateEscrow').length === count, 30_000);
    const sagaIds = first.lines.filter((line) => line.startsWith('STARTED ')).map((line) => line.split(' ')[1]!);
    assert.equal(sagaIds.length, count);

    // The second coordinator joins: the group rebalances and some partitions (with their sagas) move to it.
    const second = harness.freshCoordinator(log);
    await second.start();
    const moved = second.partitions();
    assert.ok(moved.length > 0 && moved.length < 3, `the partitions were split (second owns ${moved.join(',')})`);
    const movedIds = sagaIds.filter((sagaId) => moved.includes(sagaPartition(sagaId, 3)));
    assert.ok(movedIds.length >= 2);
    await Promise.all(movedIds.map((sagaId) => second.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) })));
    assert.deepEqual(second.list().map((saga) => SagaStatus[saga.status]), Array(movedIds.length).fill('COMPLETED'), 'the moved sagas finished before the kill');
    const finishedBeforeKill = movedIds.length;

    first.child.kill('SIGKILL');
    await first.exited;
    const started = Date.now();
    const results = await Promise.all(sagaIds.map((sagaId) => second.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) })));
    t.diagnostic(`${finishedBeforeKill} sagas moved by the rebalance; the other ${count - finishedBeforeKill} finished ${Date.now() - started} ms after the kill`);
    assert.deepEqual(results.map((result) => result.status), Array(count).fill('completed'));
    assert.deepEqual(second.partitions(), [0, 1, 2]);
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), {
      contractsCreated: count,
      contractsCancelled: 0,
      escrowsCreated: count,
      escrowsRefunded: 0,
      podsRequested: count,
      podsTerminated: 0,
      projectsCreated: count,
      projectsArchived: 0,
      notificationsSent: 2 * count,
    });
    await harness.assertLogRebuildsState(second, log.topics);
  });
});
