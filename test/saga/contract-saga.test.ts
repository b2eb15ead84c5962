import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ContractStatus } from '../../gen/market/v1/contract_pb.js';
import { SagaStatus, SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { createContractSaga, createSagaOrchestrator, type SagaOrchestrator, type SagaTransitionEvent } from '../../src/saga/index.js';
import { contractEffects, effectsDelta, seedAcceptedBid, startSagaServices, testOrchestratorOptions, testSagaLog, type ContractEffects, type SagaServices } from './saga-test-support.js';

const NO_EFFECTS: ContractEffects = {
  contractsCreated: 0,
  contractsCancelled: 0,
  escrowsCreated: 0,
  escrowsRefunded: 0,
  podsRequested: 0,
  podsTerminated: 0,
  projectsCreated: 0,
  projectsArchived: 0,
  notificationsSent: 0,
};

describe('createContractSaga over the reference services', () => {
  let services: SagaServices;
  let orchestrator: SagaOrchestrator;
  const events: SagaTransitionEvent[] = [];

  before(async () => {
    services = await startSagaServices();
    orchestrator = createSagaOrchestrator(testOrchestratorOptions(testSagaLog()));
    orchestrator.register(createContractSaga({ clients: services.clients, jobs: services.jobs, retry: { backoff: { initialDelay: 10, maxDelay: 50 } } }));
    orchestrator.onTransition((event) => events.push(event));
    await orchestrator.start();
  });
  after(async () => {
    await orchestrator?.stop();
    await services?.close();
  });

  test('the happy path creates contract, escrow, pod and project, notifies both parties, and logs every transition', async () => {
    const seed = await seedAcceptedBid(services);
    const before = contractEffects(services);
    const result = await orchestrator.execute('create-contract', { jobId: seed.jobId, bidId: seed.bidId });
    assert.equal(result.status, 'completed', result.error);
    const output = result.output as { contractId: string; escrowId: string; podId: string; projectId: string; clientId: string; freelancerId: string };
    assert.equal(output.clientId, seed.clientId);
    assert.equal(output.freelancerId, seed.freelancerId);
    assert.equal(services.stores.market.contracts.get(output.contractId)?.status, ContractStatus.PENDING);
    assert.ok(services.stores.billing.escrows.has(output.escrowId));
    assert.ok(services.stores.skillpod.pods.has(output.podId));
    assert.ok(services.stores.cockpit.projects.has(output.projectId));
    assert.deepEqual(effectsDelta(contractEffects(services), before), {
      ...NO_EFFECTS,
      contractsCreated: 1,
      escrowsCreated: 1,
      podsRequested: 1,
      projectsCreated: 1,
      notificationsSent: 2,
    });

    const kinds = events.filter((event) => event.saga.sagaId === result.sagaId).map((event) => `${Kind[event.transition.kind]}${event.transition.stepName ? ` ${event.transition.stepName}` : ''}`);
    assert.deepEqual(kinds, [
      'STARTED',
      ...['checkJobAndBid', 'createContract', 'createEscrow', 'provisionPod', 'createProject', 'notifyParties'].flatMap((step) => [`STEP_STARTED ${step}`, `STEP_COMPLETED ${step}`]),
      'COMPLETED',
    ]);
    const saga = orchestrator.get(result.sagaId)!;
    assert.equal(saga.status, SagaStatus.COMPLETED);
    assert.equal(saga.steps.length, 6);
  });

  test('executing with a known saga id returns that saga instead of starting another', async () => {
    const seed = await seedAcceptedBid(services);
    const first = await orchestrator.execute('create-contract', { jobId: seed.jobId, bidId: seed.bidId });
    const before = contractEffects(services);
    const again = await orchestrator.execute('create-contract', { jobId: seed.jobId, bidId: seed.bidId }, { sagaId: first.sagaId });
    assert.deepEqual(again, first);
    assert.deepEqual(contractEffects(services), before);
  });

  // Failing method of each step, and the compensations that must run (in this order) when it fails.
  const cases: { step: string; method: string; compensations: string[]; undone: Partial<ContractEffects> }[] = [
    { step: 'checkJobAndBid', method: 'GetBid', compensations: [], undone: {} },
    { step: 'createContract', method: 'CreateContract', compensations: [], undone: {} },
    { step: 'createEscrow', method: 'CreateEscrow', compensations: ['CancelContract'], undone: { contractsCreated: 1, contractsCancelled: 1 } },
    {
      step: 'provisionPod',
      method: 'ProvisionPod',
      compensations: ['RefundEscrow', 'CancelContract'],
      undone: { contractsCreated: 1, contractsCancelled: 1, escrowsCreated: 1, escrowsRefunded: 1 },
    },
    {
      step: 'createProject',
      method: 'CreateProject',
      compensations: ['TerminatePod', 'RefundEscrow', 'CancelContract'],
      undone: { contractsCreated: 1, contractsCancelled: 1, escrowsCreated: 1, escrowsRefunded: 1, podsRequested: 1, podsTerminated: 1 },
    },
    {
      step: 'notifyParties',
      method: 'NotifyUser',
      compensations: ['ArchiveProject', 'TerminatePod', 'RefundEscrow', 'CancelContract'],
      undone: { contractsCreated: 1, contractsCancelled: 1, escrowsCreated: 1, escrowsRefunded: 1, podsRequested: 1, podsTerminated: 1, projectsCreated: 1, projectsArchived: 1 },
    },
  ];
  const COMPENSATION_METHODS = new Set(['CancelContract', 'RefundEscrow', 'TerminatePod', 'ArchiveProject']);

  for (const { step, method, compensations, undone } of cases) {
    test(`a failure of ${step} runs exactly the compensations of the steps before it, in reverse order`, async () => {
      const seed = await seedAcceptedBid(services);
      const before = contractEffects(services);
      const firstCall = services.calls.length;
      services.failing.add(method);
      let result;
      try {
        result = await orchestrator.execute('create-contract', { jobId: seed.jobId, bidId: seed.bidId });
      } finally {
        services.failing.delete(method);
      }
      assert.equal(result.status, 'compensated');
      assert.match(result.error ?? '', new RegExp(`step ${step} failed: .*injected failure of ${method}`));
      const calls = services.calls.slice(firstCall);
      // notifyParties calls NotifyUser once per party.
      assert.equal(calls.filter((call) => call === `!${method}`).length, method === 'NotifyUser' ? 2 : 1, 'a non-transient failure is not retried');
      assert.deepEqual(
        calls.filter((call) => COMPENSATION_METHODS.has(call)),
        compensations,
      );
      assert.deepEqual(effectsDelta(contractEffects(services), before), { ...NO_EFFECTS, ...undone });
      const saga = orchestrator.get(result.sagaId)!;
      assert.equal(saga.status, SagaStatus.COMPENSATED);
    });
  }
});
