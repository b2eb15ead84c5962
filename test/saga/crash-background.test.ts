import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { SagaStatus, SagaStepStatus, SagaTransition_Kind as Kind, SagaTransitionSchema, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import { sagaPartition } from '../../src/saga/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';

import { startCrashHarness, type CrashHarness } from './crash-harness.js';
import { contractEffects, effectsDelta, ONE_COMPLETED_CONTRACT, seedAcceptedBid, testSagaLog, waitUntil } from './saga-test-support.js';

const AHEAD = ['CreateContract', 'CreateEscrow', 'ProvisionPod', 'CreateProject'] as const;

// The window the background log opens: the child's linger is a minute, so
// after createContract (which, having a compensation, waits for the saga's
// start to be durable: STARTED … STEP_STARTED createContract) nothing more
// reaches the log; createContract, createEscrow, provisionPod and
// createProject all run ahead of it, and the child is SIGKILLed after
// CreateProject answered. The transitions of createContract's completion
// and createEscrow's start are then in the partition's open transaction
// (sent while createEscrow ran, not committed): the kill leaves it open,
// and the fresh coordinator's claim aborts it before reading the log.
/** readUncommitted reads a saga-log history topic from the start, open transactions included, until `enough` holds (20 s at most). */
async function readUncommitted(topic: string, enough: (transitions: SagaTransition[]) => boolean): Promise<SagaTransition[]> {
  const transitions: SagaTransition[] = [];
  const consumer = testKafka().consumer({ groupId: uniqueName('read-uncommitted'), readUncommitted: true });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (message.value && transitions.push(fromBinary(SagaTransitionSchema, message.value))) });
    const deadline = Date.now() + 20_000;
    while (!enough(transitions) && Date.now() < deadline) await sleep(50);
  } finally {
    await consumer.disconnect();
  }
  return transitions;
}

describe('a coordinator process SIGKILLed while several steps are ahead of its background log', () => {
  let harness: CrashHarness;
  before(async () => {
    harness = await startCrashHarness();
  });
  after(async () => {
    await harness?.close();
  });

  /** crashAhead runs sagas until each made CreateProject, checks that the log stops at STEP_STARTED createContract, and SIGKILLs the child. */
  async function crashAhead(log: ReturnType<typeof testSagaLog>, sagas: number, env: Record<string, string> = {}) {
    const seeds = await Promise.all(Array.from({ length: sagas }, () => seedAcceptedBid(harness.services)));
    const before = contractEffects(harness.services);
    const firstCall = harness.services.calls.length;
    const child = harness.startCoordinator(
      log,
      'CreateProject',
      seeds.map((seed) => ({ jobId: seed.jobId, bidId: seed.bidId })),
      { SAGA_LOG_MODE: 'background', SAGA_LOG_LINGER_MS: '60000', ...env },
    );
    const made = (method: string) => harness.services.calls.slice(firstCall).filter((call) => call === method).length;
    await waitUntil('every saga to call CreateProject', () => made('CreateProject') === sagas || child.child.exitCode !== null, 30_000);
    // Time for a commit that should not happen to show up.
    await sleep(300);
    const startedLines = () => child.lines.filter((line) => line.startsWith('STEP_STARTED ') && line.endsWith(' createContract')).length;
    assert.equal(startedLines(), sagas, `each saga's start reached the log before its first step with a compensation: ${child.lines.join(' | ')}`);
    const sagaId = await harness.killAfter(child, 'CreateProject');
    assert.deepEqual(
      AHEAD.map(made),
      AHEAD.map(() => sagas),
      'at the kill, four steps of each saga had run',
    );
    assert.ok(
      !child.lines.some((line) => line.startsWith('STEP_COMPLETED ') && !line.endsWith(' checkJobAndBid')),
      `nothing past createContract's start reached the log: ${child.lines.join(' | ')}`,
    );
    const sagaIds = [...new Set(child.lines.filter((line) => line.startsWith('STARTED ')).map((line) => line.split(' ')[1]!))];
    assert.equal(sagaIds.length, sagas);
    assert.ok(sagaIds.includes(sagaId));
    // Read uncommitted, the history holds createContract's completion of the
    // first saga of each partition: sent into the open transaction the kill
    // left behind. (A saga whose partition already had a transaction open
    // sends nothing early: it would only add a Produce.)
    // The child coordinator (fixtures/coordinator-child.ts) creates its saga log with 3 partitions.
    const partitionOf = (id: string) => sagaPartition(id, 3);
    const partitions = new Set(sagaIds.map(partitionOf));
    const sentOf = (transitions: SagaTransition[]) => new Set(transitions.filter((t) => t.kind === Kind.STEP_COMPLETED && t.stepName === 'createContract').map((t) => t.sagaId));
    const sent = sentOf(await readUncommitted(log.topics.history, (transitions) => new Set([...sentOf(transitions)].map(partitionOf)).size >= partitions.size));
    assert.deepEqual(
      new Set([...sent].map(partitionOf)),
      partitions,
      'in every partition of the sagas, the killed coordinator had sent, not committed, the transitions after createContract started',
    );
    assert.ok([...sent].every((id) => sagaIds.includes(id)), 'only the killed sagas');
    return { sagaIds, before, firstCall };
  }

  test('forward: a fresh coordinator repeats every step past the log under its key and finishes every saga, each effect once', async () => {
    const log = testSagaLog();
    const sagas = 2;
    const { sagaIds, before, firstCall } = await crashAhead(log, sagas);
    const orchestrator = harness.freshCoordinator(log);
    await orchestrator.start();
    for (const sagaId of sagaIds) {
      const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
      assert.equal(result.status, 'completed', result.error);
      const saga = orchestrator.get(sagaId)!;
      assert.deepEqual(
        saga.steps.map((step) => step.attempts),
        [1, 2, 1, 1, 1, 1],
        'createContract, logged as started, counts its repeat; the steps never logged start their count afresh',
      );
    }
    const delta = effectsDelta(contractEffects(harness.services), before);
    assert.deepEqual(delta, Object.fromEntries(Object.entries(ONE_COMPLETED_CONTRACT).map(([name, value]) => [name, value * sagas])));
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      AHEAD.map((method) => calls.filter((call) => call === method).length),
      AHEAD.map(() => 2 * sagas),
      'each step past the log was called again (answered from the idempotency store)',
    );
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });

  test('backward: a saga timed out meanwhile resolves every step that may have run and compensates them all, even on a write-ahead coordinator', async () => {
    const log = testSagaLog();
    // The deadline passes while no coordinator runs (the dead member's session alone is 6 s).
    const timeoutMs = 5_000;
    const { sagaIds, before, firstCall } = await crashAhead(log, 1, { SAGA_TIMEOUT_MS: String(timeoutMs) });
    const sagaId = sagaIds[0]!;
    // The log's saga-ran-ahead mark, not this coordinator's mode, says how far the steps may have gone.
    const orchestrator = harness.freshCoordinator(log, { timeout: timeoutMs }, { logMode: 'write-ahead' });
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId, { signal: AbortSignal.timeout(30_000) });
    assert.equal(result.status, 'compensated', result.error);
    assert.match(result.error ?? '', /timed out before step createContract/);
    assert.deepEqual(effectsDelta(contractEffects(harness.services), before), {
      contractsCreated: 1,
      contractsCancelled: 1,
      escrowsCreated: 1,
      escrowsRefunded: 1,
      podsRequested: 1,
      podsTerminated: 1,
      projectsCreated: 1,
      projectsArchived: 1,
      notificationsSent: 0,
    });
    const calls = harness.services.calls.slice(firstCall);
    assert.deepEqual(
      calls.filter((call) => [...AHEAD, 'ArchiveProject', 'TerminatePod', 'RefundEscrow', 'CancelContract'].includes(call)),
      [...AHEAD, ...AHEAD, 'ArchiveProject', 'TerminatePod', 'RefundEscrow', 'CancelContract'],
      'the four steps past the log are resolved under their keys (no new effect), then compensated in reverse order',
    );
    const saga = orchestrator.get(sagaId)!;
    assert.equal(saga.status, SagaStatus.COMPENSATED);
    assert.deepEqual(
      saga.steps.map((step) => SagaStepStatus[step.status]),
      ['COMPLETED', 'COMPENSATED', 'COMPENSATED', 'COMPENSATED', 'COMPENSATED'],
      'checkJobAndBid has no compensation; the steps absent from the log at the crash got records',
    );
    await harness.assertLogRebuildsState(orchestrator, log.topics);
  });
});
