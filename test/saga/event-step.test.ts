import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EscrowFundedSchema } from '../../gen/billing/v1/billing_events_pb.js';
import { SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { createEventBus, EventChannels, type EventBus } from '../../src/events/index.js';
import { kafkaBrokers } from '../../src/kafka/index.js';
import { createSagaEventWaiter, createSagaOrchestrator, type SagaEventWaiter, type SagaOrchestrator } from '../../src/saga/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { fundingSaga } from './fixtures/funding-saga.js';
import { testOrchestratorOptions, testSagaLog, waitUntil } from './saga-test-support.js';

const child = new URL('./fixtures/event-coordinator-child.ts', import.meta.url).pathname;

describe('a step awaiting a domain event', () => {
  const prefix = `${uniqueName('tse')}.`;
  const kafka = testKafka();
  const bus: EventBus = createEventBus({ source: 'billing', kafka, topicPrefix: prefix });
  const waiters: SagaEventWaiter[] = [];
  const orchestrators: SagaOrchestrator[] = [];
  const children: ChildProcess[] = [];
  const waiter = () => {
    const created = createSagaEventWaiter({ bus, kafka, channels: [EventChannels.PAYMENTS], types: [EscrowFundedSchema] });
    waiters.push(created);
    return created;
  };
  const funded = (escrowId: string, contractId: string) =>
    bus.publish(EventChannels.PAYMENTS, EscrowFundedSchema, create(EscrowFundedSchema, { escrowId, contractId }), { aggregateId: escrowId, aggregateType: 'escrow' });
  after(async () => {
    for (const process of children) if (process.exitCode === null && process.signalCode === null) process.kill('SIGKILL');
    await Promise.all(orchestrators.map((orchestrator) => orchestrator.stop()));
    await Promise.all(waiters.map((created) => created.close()));
    await bus.close();
  });

  test('the matching event completes the step (others are ignored); no event in time fails it with STEP_TIMEOUT', async () => {
    const events = waiter();
    const orchestrator = createSagaOrchestrator(testOrchestratorOptions(testSagaLog()));
    orchestrators.push(orchestrator);
    orchestrator.register(fundingSaga(events, 3_000));
    const awaiting = new Set<string>();
    orchestrator.onTransition(({ transition }) => {
      if (transition.kind === Kind.STEP_STARTED && transition.stepName === 'funded') awaiting.add(transition.sagaId);
    });
    await events.start();
    const tag = uniqueName('live');
    const running = orchestrator.execute('await-funding', { tag });
    await waitUntil('the saga to await its event', () => awaiting.size === 1);
    await funded(`esc-${tag}-other`, 'wrong-contract');
    await funded(`esc-${tag}`, `ctr-${tag}`);
    const result = await running;
    assert.equal(result.status, 'completed', result.error);
    assert.equal(result.output, `ctr-${tag}`);

    const late = await orchestrator.execute('await-funding', { tag: uniqueName('never') });
    assert.equal(late.status, 'compensated');
    assert.match(late.error ?? '', /step funded failed: .*longer than 3000 ms/);
  });

  test('SIGKILLed while awaiting: the event published before the new coordinator starts is found on recovery', async () => {
    const log = testSagaLog();
    const tag = uniqueName('crash');
    const coordinator = spawn(process.execPath, ['--import', 'tsx', child], {
      env: {
        ...process.env,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SAGA_STATE_TOPIC: log.topics.state,
        SAGA_HISTORY_TOPIC: log.topics.history,
        SAGA_GROUP: log.groupId,
        EVENTS_PREFIX: prefix,
        SAGA_TAG: tag,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(coordinator);
    const lines: string[] = [];
    createInterface({ input: coordinator.stdout! }).on('line', (line) => lines.push(line));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => coordinator.once('exit', (_code, signal) => resolve(signal)));
    await waitUntil('the child to await EscrowFunded', () => lines.some((line) => line.startsWith('AWAITING ')) || coordinator.exitCode !== null, 30_000);
    const sagaId = lines.find((line) => line.startsWith('AWAITING '))?.split(' ')[1];
    assert.ok(sagaId, `the child awaits the event: ${lines.join(' | ')}`);
    coordinator.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    // Published while no coordinator runs: only reading back from the saga's start can find it.
    await funded(`esc-${tag}`, `ctr-${tag}`);
    const orchestrator = createSagaOrchestrator(testOrchestratorOptions(log));
    orchestrators.push(orchestrator);
    orchestrator.register(fundingSaga(waiter(), 30_000));
    await orchestrator.start();
    const result = await orchestrator.waitFor(sagaId);
    assert.equal(result.status, 'completed', result.error);
    assert.equal(result.output, `ctr-${tag}`);
    assert.ok(!lines.some((line) => line.startsWith('RESULT ')), 'the killed child never finished the saga');
  });
});
