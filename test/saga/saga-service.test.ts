import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { SagaService, SagaStatus, SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { createMeshClient, type MeshClient } from '../../src/rpc/client/index.js';
import { createServer, defineService, type MeshServer } from '../../src/rpc/server/index.js';
import { createSagaOrchestrator, createSagaService, defineSaga, type SagaOrchestrator } from '../../src/saga/index.js';
import { testKafka } from '../support/kafka.js';
import { testOrchestratorOptions, testSagaLog } from './saga-test-support.js';

describe('the gRPC SagaService', () => {
  let orchestrator: SagaOrchestrator;
  let server: MeshServer;
  let handle: MeshClient<typeof SagaService>;
  const ids: { completed: string[]; compensated: string[] } = { completed: [], compensated: [] };

  before(async () => {
    orchestrator = createSagaOrchestrator(testOrchestratorOptions(testSagaLog()));
    const definition = defineSaga<{ fail: boolean }>({ name: 'inspectable', version: 1 })
      .step({ name: 'one', execute: async () => 1, compensate: async () => undefined })
      .step({
        name: 'two',
        retry: { maxAttempts: 1 },
        execute: async (ctx) => {
          if (ctx.input.fail) throw new Error('two refused');
          return 2;
        },
      })
      .output((_input, results) => results.one + results.two);
    orchestrator.register(definition);
    for (const fail of [false, true, false]) {
      const result = await orchestrator.execute(definition, { fail });
      ids[fail ? 'compensated' : 'completed'].push(result.sagaId);
    }
    server = await createServer({ services: [defineService(SagaService, createSagaService({ orchestrator, kafka: testKafka() }))], port: 0, host: '127.0.0.1' });
    handle = createMeshClient(SagaService, { baseUrls: server.url, protocol: 'grpc', retry: false, breaker: false });
  });
  after(async () => {
    handle?.close();
    await server?.close({ timeoutMs: 500 });
    await orchestrator?.stop();
  });

  test('GetSaga returns the snapshot and its full history, oldest first', async () => {
    const sagaId = ids.compensated[0]!;
    const { saga, history } = await handle.client.getSaga({ sagaId });
    assert.equal(saga?.sagaId, sagaId);
    assert.equal(saga?.status, SagaStatus.COMPENSATED);
    assert.equal(saga?.error, 'step two failed: two refused');
    assert.deepEqual(
      history.map((transition) => Kind[transition.kind]),
      ['STARTED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_FAILED', 'COMPENSATING', 'STEP_COMPENSATED', 'COMPENSATED'],
    );
    assert.deepEqual(
      history.map((transition) => transition.sequence),
      history.map((_transition, index) => BigInt(index + 1)),
    );
  });

  test('GetSaga of an unknown saga is NOT_FOUND, and a missing id INVALID_ARGUMENT', async () => {
    await assert.rejects(handle.client.getSaga({ sagaId: 'no-such-saga' }), (error: unknown) => ConnectError.from(error).code === Code.NotFound);
    await assert.rejects(handle.client.getSaga({ sagaId: '' }), (error: unknown) => ConnectError.from(error).code === Code.InvalidArgument);
  });

  test('ListSagas filters by status and name and pages newest first', async () => {
    const completed = await handle.client.listSagas({ status: SagaStatus.COMPLETED });
    assert.deepEqual(completed.sagas.map((saga) => saga.sagaId).sort(), [...ids.completed].sort());
    assert.equal((await handle.client.listSagas({ name: 'other' })).sagas.length, 0);

    const first = await handle.client.listSagas({ pageSize: 2 });
    assert.equal(first.sagas.length, 2);
    assert.notEqual(first.nextPageToken, '');
    const second = await handle.client.listSagas({ pageSize: 2, pageToken: first.nextPageToken });
    assert.equal(second.sagas.length, 1);
    assert.equal(second.nextPageToken, '');
    const all = [...first.sagas, ...second.sagas].map((saga) => saga.sagaId);
    assert.deepEqual([...all].sort(), [...ids.completed, ...ids.compensated].sort());
    assert.equal(all[0], ids.completed[1], 'newest first');
    await assert.rejects(handle.client.listSagas({ pageSize: 2, pageToken: first.nextPageToken, status: SagaStatus.FAILED }), (error: unknown) => ConnectError.from(error).code === Code.InvalidArgument);
  });
});
