import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CONTRACT_SAGA_NAME } from '../../src/saga/index.js';
import { startCrashHarness, type CrashHarness } from '../saga/crash-harness.js';
import { contractEffects, effectsDelta, seedAcceptedBid, testSagaLog, type ContractEffects } from '../saga/saga-test-support.js';
import { recordReliability } from '../support/reliability-report.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * SAGAS contract sagas (6 steps each) run at once in the coordinator process;
 * it is killed once KILL_AT_STEPS steps completed in all, about a third of
 * them. Counting whole sagas would not do: running side by side, they tend to
 * finish together, and on a quiet machine all had ended before the kill.
 */
const SAGAS = 30;
const KILL_AT_STEPS = 2 * SAGAS;

describe('saga coordinator SIGKILLed under load', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  test('every contract saga completes with each service effect exactly once after its coordinator process was SIGKILLed mid-way', { timeout: 240_000 }, async (t) => {
    const log = testSagaLog();
    const seeds = await Promise.all(Array.from({ length: SAGAS }, () => seedAcceptedBid(harness.services)));
    // Ids chosen up front, as a caller that retries does (mesh up derives them from the bid): starting one again finds the saga.
    const sagas = seeds.map((seed) => ({ sagaId: randomUUID(), input: { jobId: seed.jobId, bidId: seed.bidId } }));
    const before = contractEffects(harness.services);
    // 'none' never matches a method: the coordinator runs freely until killed.
    const coordinator = harness.startCoordinator(log, 'none', sagas);
    const completedInChild = () => coordinator.lines.filter((line) => line.startsWith('COMPLETED ')).length;
    const stepsCompleted = () => coordinator.lines.filter((line) => line.startsWith('STEP_COMPLETED ')).length;
    await waitUntil(`${KILL_AT_STEPS} steps to complete in the first coordinator`, () => stepsCompleted() >= KILL_AT_STEPS || coordinator.child.exitCode !== null, 120_000);
    coordinator.child.kill('SIGKILL');
    assert.equal((await coordinator.exited).signal, 'SIGKILL');
    const killedAt = Date.now();
    const doneAtKill = completedInChild();
    assert.ok(doneAtKill < SAGAS, `killed mid-way (${doneAtKill} of ${SAGAS} completed)`);

    const replacement = harness.freshCoordinator(log);
    await replacement.start();
    // The caller starts every saga again under its id: recovered ones are awaited, never-started ones start now.
    const results = await Promise.all(sagas.map(({ sagaId, input }) => replacement.execute(CONTRACT_SAGA_NAME, input, { sagaId })));
    const recoveryMs = Date.now() - killedAt;
    const recovered = replacement.list().length;

    assert.deepEqual(results.map((result) => result.status), Array(SAGAS).fill('completed'), results.find((result) => result.status !== 'completed')?.error);
    const expected: ContractEffects = {
      contractsCreated: SAGAS,
      contractsCancelled: 0,
      escrowsCreated: SAGAS,
      escrowsRefunded: 0,
      podsRequested: SAGAS,
      podsTerminated: 0,
      projectsCreated: SAGAS,
      projectsArchived: 0,
      notificationsSent: 2 * SAGAS,
    };
    const delta = effectsDelta(contractEffects(harness.services), before);
    const keys = Object.keys(expected) as (keyof ContractEffects)[];
    const duplicates = keys.reduce((sum, key) => sum + Math.max(0, delta[key] - expected[key]), 0);
    const lost = keys.reduce((sum, key) => sum + Math.max(0, expected[key] - delta[key]), 0);
    assert.deepEqual(delta, expected, 'each service effect happened once per saga, and nothing was compensated');
    await harness.assertLogRebuildsState(replacement, log.topics);
    t.diagnostic(`killed with ${doneAtKill} of ${SAGAS} completed; the replacement found ${recovered} sagas in the log and all ${SAGAS} completed ${recoveryMs} ms after the kill`);
    recordReliability({
      area: 'faults',
      faultOrInput: 'saga coordinator process SIGKILLed mid-way, a new coordinator started on the saga log',
      load: `${SAGAS} concurrent contract sagas (4 service calls and a notification job each) against the 5 reference services as HTTP/2 servers`,
      lost,
      duplicates,
      recoveryMs,
      command: 'npm test -- test/reliability/saga-coordinator-kill',
      notes: `counted at the services' effect counters; ${doneAtKill} had completed at the kill; recovery = SIGKILL to all completed (includes the dead member's 6 s session)`,
    });
  });
});
