import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { SagaStatus, SagaStepStatus } from '../../gen/mesh/v1/saga_pb.js';

import { startCrashHarness, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, ONE_COMPLETED_CONTRACT, seedAcceptedBid, testSagaLog, waitUntil } from './saga-test-support.js';

// The window the pipelined log opens: a step's call returned, its
// STEP_COMPLETED is sent but not committed (the child holds that saga-log
// transaction), and the next step's call already ran. The log lags the
// effects by one step; the bound keeps the step after that from starting.
describe('a coordinator process SIGKILLed while its pipelined log lags a step', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  /** crashInWindow runs a saga until createEscrow's completion is held, checks the window and the bound, and SIGKILLs the child. */
  async function crashInWindow(log: ReturnType<typeof testSagaLog>, env: Record<string, string> = {}) {
    const seed = await seedAcceptedBid(harness.services);
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    const child = harness.startCoordinator(log, '', [{ jobId: seed.jobId, bidId: seed.bidId }], { HOLD_COMMIT_OF: 'createEscrow', SAGA_LOG_MODE: 'pipelined', ...env });
    await waitUntil('the pipelined ProvisionPod call', () => harness.services.calls.slice(firstCall).includes('ProvisionPod') || child.child.exitCode !== null, 30_000);
    // Time for a coordinator that ignored the bound to make the next call.
    await sleep(500);
    const sagaId = await harness.killAfter(child, 'held:createEscrow');
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      ['CreateEscrow', 'ProvisionPod', 'CreateProject'].map((method) => calls.filter((call) => call === method).length),
      [1, 1, 0],
      'at the kill, provisionPod ran while createEscrow was not logged as completed, and createProject waited for the log',
    );
    assert.ok(!child.lines.some((line) => line.startsWith('STEP_COMPLETED ') && line.endsWith(' createEscrow')), 'createEscrow never reached the log as completed');
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), {
      contractsCreated: 1,
      contractsCancelled: 0,
      escrowsCreated: 1,
      escrowsRefunded: 0,
      podsRequested: 1,
      podsTerminated: 0,
      projectsCreated: 0,
      projectsArchived: 0,
      notificationsSent: 0,
    });
    return { sagaId, before, firstCall };
  }

  test('forward: a fresh coordinator repeats both unlogged steps under their keys and finishes, each effect once', async () => {
    const log = testSagaLog();
    const { sagaId, before, firstCall } = await crashInWindow(log);
    const orchestrator = harness.freshCoordinator(log);
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), ONE_COMPLETED_CONTRACT);
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      ['CreateContract', 'CreateEscrow', 'ProvisionPod', 'CreateProject'].map((method) => calls.filter((call) => call === method).length),
      [1, 2, 2, 1],
      'the two steps past the log were called again (answered from the idempotency store), the logged one was not',
    );
    const saga = orchestrator.get(sagaId)!;
    assert.equal(saga.steps[2]?.attempts, 2, 'createEscrow, logged as started, counts its repeat');
    assert.equal(saga.steps[3]?.attempts, 1, 'provisionPod, never logged, starts its count afresh');
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });

  test('backward: a saga timed out meanwhile compensates the unlogged step too, after learning its result under its key', async () => {
    const log = testSagaLog();
    // The deadline passes while no coordinator runs (the dead member's session alone is 6 s).
    const timeoutMs = 4_000;
    const { sagaId, before, firstCall } = await crashInWindow(log, { SAGA_TIMEOUT_MS: String(timeoutMs) });
    const orchestrator = harness.freshCoordinator(log, { timeout: timeoutMs });
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    assert.equal(result.status, 'compensated', result.error);
    assert.match(result.error ?? '', /timed out before step createEscrow/);
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
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      calls.filter((call) => ['CreateEscrow', 'ProvisionPod', 'TerminatePod', 'RefundEscrow', 'CancelContract'].includes(call)),
      ['CreateEscrow', 'ProvisionPod', 'CreateEscrow', 'ProvisionPod', 'TerminatePod', 'RefundEscrow', 'CancelContract'],
      'both unlogged steps are resolved under their keys (no new effect), then compensated in reverse order',
    );
    const saga = orchestrator.get(sagaId)!;
    assert.equal(saga.status, SagaStatus.COMPENSATED);
    assert.deepEqual(
      saga.steps.map((step) => SagaStepStatus[step.status]),
      ['COMPLETED', 'COMPENSATED', 'COMPENSATED', 'COMPENSATED'],
      'checkJobAndBid has no compensation; provisionPod, absent from the log at the crash, got a record',
    );
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });

  test('write-ahead (SAGA_LOG_MODE): no call runs ahead of the held record; a fresh coordinator finishes, each effect once', async () => {
    const log = testSagaLog();
    const seed = await seedAcceptedBid(harness.services);
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    const child = harness.startCoordinator(log, '', [{ jobId: seed.jobId, bidId: seed.bidId }], { HOLD_COMMIT_OF: 'createEscrow', SAGA_LOG_MODE: 'write-ahead' });
    await waitUntil('the held commit', () => child.lines.includes('HELD createEscrow') || child.child.exitCode !== null, 30_000);
    // Time for a coordinator that did not wait for the log to make the next call.
    await sleep(500);
    const sagaId = await harness.killAfter(child, 'held:createEscrow');
    assert.equal(harness.services.calls.slice(firstCall).filter((call) => call === 'ProvisionPod').length, 0, 'written ahead, provisionPod waits for the record before it');
    const orchestrator = harness.freshCoordinator(log);
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    assert.equal(result.status, 'completed', result.error);
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      ['CreateContract', 'CreateEscrow', 'ProvisionPod', 'CreateProject'].map((method) => calls.filter((call) => call === method).length),
      [1, 2, 1, 1],
    );
    const delta = effectsDelta(contractEffects(harness.services), before);
    assert.deepEqual([delta.contractsCreated, delta.escrowsCreated, delta.podsRequested, delta.projectsCreated, delta.notificationsSent], [1, 1, 1, 1, 2]);
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });
});
