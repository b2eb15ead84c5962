import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startCrashHarness, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, ONE_COMPLETED_CONTRACT, seedAcceptedBid, testSagaLog } from './saga-test-support.js';

describe('a coordinator process SIGKILLed mid-saga', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('after a step call but before its record: a fresh coordinator repeats the call under the same key and finishes, each effect once', async (t) => {
    const log = testSagaLog();
    const seed = await seedAcceptedBid(harness.services);
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    const sagaId = await harness.killAfter(
      harness.startCoordinator(log, 'CreateEscrow', [{ jobId: seed.jobId, bidId: seed.bidId }]),
      'CreateEscrow',
      // Pipelined, createContract's completion may still be on its way to the log while CreateEscrow runs.
      'STEP_STARTED createEscrow',
    );
    assert.equal(effectsDelta(contractEffects(harness.services), before).escrowsCreated, 1, 'the escrow exists before the kill');

    const started = Date.now();
    const orchestrator = harness.freshCoordinator(log);
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    t.diagnostic(`recovered and finished in ${Date.now() - started} ms (includes the dead member's ${6000} ms session)`);
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), ONE_COMPLETED_CONTRACT);
    const calls = harness.services.calls.slice(firstCall);
    assert.equal(calls.filter((call) => call === 'CreateEscrow').length, 2, 'CreateEscrow was called again after the crash (and answered from the idempotency store)');
    assert.equal(calls.filter((call) => call === 'CreateContract').length, 1, 'a step recorded as completed is not called again');
    const saga = orchestrator.get(sagaId)!;
    assert.equal(saga.steps[2]?.attempts, 2, 'the repeated attempt is counted');
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });
});
