import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSagaOrchestrator, defineSaga, type SagaOrchestrator } from '../../src/saga/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { runCliToEnd } from './cli-process.js';

const topics = { state: uniqueName('cli-saga-state'), history: uniqueName('cli-saga-history') };
let orchestrator: SagaOrchestrator | undefined;

after(async () => {
  await orchestrator?.stop();
  const admin = testKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topics.state, topics.history] }).catch(() => undefined);
  await admin.disconnect();
});

describe('mesh sagas', () => {
  test("show prints a saga's history from the saga log; list finds it by status", async () => {
    orchestrator = createSagaOrchestrator({ kafka: testKafka(), topics, groupId: uniqueName('cli-saga-coord'), transactionalIdPrefix: uniqueName('cli-saga-tx'), partitions: 2, sessionTimeout: 6000, heartbeatInterval: 1000 });
    const definition = defineSaga<{ order: string }>({ name: 'cli-order', version: 1 })
      .step({ name: 'reserve', execute: async () => 'reserved', compensate: async () => undefined })
      .step({
        name: 'charge',
        retry: { maxAttempts: 1 },
        execute: async () => {
          throw new Error('card declined');
        },
      })
      .output(() => 'done');
    const completed = defineSaga<object>({ name: 'cli-ok', version: 1 }).step({ name: 'only', execute: async () => 1 }).output(() => 'ok');
    const failed = await orchestrator.execute(definition, { order: 'o-1' });
    const ok = await orchestrator.execute(completed, {});
    assert.equal(failed.status, 'compensated');
    const log = ['--state-topic', topics.state, '--history-topic', topics.history];

    const shown = await runCliToEnd(['sagas', 'show', failed.sagaId, ...log, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    const { saga, history } = JSON.parse(shown.stdout);
    assert.equal(saga.status, 'COMPENSATED');
    assert.deepEqual(
      history.map((row: { kind: string; step: string }) => `${row.kind}${row.step ? ` ${row.step}` : ''}`),
      ['STARTED', 'STEP_STARTED reserve', 'STEP_COMPLETED reserve', 'STEP_STARTED charge', 'STEP_FAILED charge', 'COMPENSATING', 'STEP_COMPENSATED reserve', 'COMPENSATED'],
    );
    assert.match(history.find((row: { kind: string }) => row.kind === 'STEP_FAILED').error, /card declined/);

    const table = await runCliToEnd(['sagas', 'show', failed.sagaId, ...log]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^saga ${failed.sagaId} · cli-order v1 · COMPENSATED`));
    assert.match(table.stdout, /│ STEP_FAILED\s+│ charge/);

    const listed = await runCliToEnd(['sagas', 'list', '--status', 'completed', '--state-topic', topics.state, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((row: { sagaId: string }) => row.sagaId), [ok.sagaId]);

    const missing = await runCliToEnd(['sagas', 'show', 'no-such-saga', ...log]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mesh: saga no-such-saga not found; .*\[NOT_FOUND\]$/);
  });
});
