import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SagaStatus } from '../../gen/mesh/v1/saga_pb.js';

import { startCrashHarness, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, seedAcceptedBid, testSagaLog } from './saga-test-support.js';

describe('a coordinator process SIGKILLed during compensation', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('during compensation: a fresh coordinator continues the compensations in reverse order, each once', async () => {
    const log = testSagaLog();
    const seed = await seedAcceptedBid(harness.services);
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    harness.services.failing.add('CreateProject');
    try {
      const sagaId = await harness.killAfter(harness.startCoordinator(log, 'RefundEscrow', [{ jobId: seed.jobId, bidId: seed.bidId }]), 'RefundEscrow');
      const orchestrator = harness.freshCoordinator(log);
      await orchestrator.start();
      const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
      assert.equal(result.status, 'compensated', result.error);
      assert.equal(orchestrator.get(sagaId)?.status, SagaStatus.COMPENSATED);
      await harness.assertLogRebuildsState(orchestrator, log.topics);
    } finally {
      harness.services.failing.delete('CreateProject');
    }
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), {
      contractsCreated: 1,
      contractsCancelled: 1,
      escrowsCreated: 1,
      escrowsRefunded: 1,
      podsRequested: 1,
      podsTerminated: 1,
      projectsCreated: 0,
      projectsArchived: 0,
      notificationsSent: 0,
    });
    const compensations = harness.services.calls.slice(firstCall).filter((call) => ['TerminatePod', 'RefundEscrow', 'CancelContract'].includes(call));
    assert.deepEqual(compensations, ['TerminatePod', 'RefundEscrow', 'RefundEscrow', 'CancelContract'], 'TerminatePod is not repeated; RefundEscrow, in flight at the kill, is');
  });
});
