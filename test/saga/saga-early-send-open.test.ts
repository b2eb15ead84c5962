import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createSagaOrchestrator, defineSaga, type SagaOrchestrator } from '../../src/saga/index.js';
import { testKafka } from '../support/kafka.js';
import { testOrchestratorOptions, testSagaLog, waitUntil } from './saga-test-support.js';

/** countingKafka is a Kafka client whose producers count the Produce requests they make. */
function countingKafka(): { kafka: Kafka; produced: () => number } {
  const kafka = testKafka();
  let produced = 0;
  const counting: Kafka = Object.assign(Object.create(kafka) as Kafka, {
    producer: (config?: Parameters<Kafka['producer']>[0]) => {
      const producer = kafka.producer(config);
      producer.on(producer.events.REQUEST, ({ payload }) => void (payload.apiName === 'Produce' && produced++));
      return producer;
    },
  });
  return { kafka: counting, produced: () => produced };
}

// The wiring of the background log's early send to SagaLog.isOpen, on the
// broker: two sagas of one partition run at once; the first opens the
// partition's transaction with its early send, the second finds it open and
// sends nothing early (saga-execution-early-send.test.ts and saga-log.test.ts
// cover either half alone).
describe('background log: the early send into a partition whose transaction is open', () => {
  const orchestrators: SagaOrchestrator[] = [];
  after(async () => {
    await Promise.all(orchestrators.map((orchestrator) => orchestrator.stop()));
  });

  async function run(logSendEarly: boolean): Promise<{ whileRunning: number }> {
    const { kafka, produced } = countingKafka();
    const orchestrator = createSagaOrchestrator(testOrchestratorOptions(testSagaLog(), { kafka, partitions: 1, logLingerMs: 60_000, logSendEarly }));
    orchestrators.push(orchestrator);
    await orchestrator.start();
    let inSecondStep = 0;
    const definition = defineSaga<{ n: number }>({ name: 'early-open', version: 1 })
      .step({ name: 'a', execute: async () => void (await sleep(300)) })
      .step({
        name: 'b',
        execute: async () => {
          inSecondStep++;
          await sleep(300);
        },
      })
      .output(() => 'done');
    const before = produced();
    const results = Promise.all([orchestrator.execute(definition, { n: 1 }), orchestrator.execute(definition, { n: 2 })]);
    await waitUntil('both sagas in their second step', () => inSecondStep === 2);
    const whileRunning = produced() - before;
    for (const result of await results) assert.equal(result.status, 'completed');
    return { whileRunning };
  }

  test('the second saga of the partition sends nothing early: one Produce while both run', async () => {
    assert.equal((await run(true)).whileRunning, 1);
  });

  test('control: with the early send off, nothing is produced while they run', async () => {
    assert.equal((await run(false)).whileRunning, 0);
  });
});
