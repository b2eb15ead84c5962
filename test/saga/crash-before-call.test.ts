import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startCrashHarness, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, seedAcceptedBid, testSagaLog } from './saga-test-support.js';

describe('a coordinator process SIGKILLed between a record and its call', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('after a record but before the call it announces: a fresh coordinator makes the call once', async () => {
    const log = testSagaLog();
    const seed = await seedAcceptedBid(harness.services);
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    const sagaId = await harness.killAfter(
      harness.startCoordinator(log, 'before:ProvisionPod', [{ jobId: seed.jobId, bidId: seed.bidId }]),
      'before:ProvisionPod',
      // Pipelined, the call may start before its STEP_STARTED is durable: kill once it is.
      'STEP_STARTED provisionPod',
    );
    assert.equal(effectsDelta(contractEffects(harness.services), before).podsRequested, 0, 'no pod before the kill');
    const orchestrator = harness.freshCoordinator(log);
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    assert.equal(result.status, 'completed', result.error);
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      ['CreateContract', 'CreateEscrow', 'ProvisionPod', 'CreateProject'].map((method) => calls.filter((call) => call === method).length),
      [1, 1, 1, 1],
    );
    assert.equal(orchestrator.get(sagaId)?.steps[3]?.attempts, 2, 'the started attempt that never called counts too');
  });
});
