import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { CircuitState } from '../../../src/resilience/index.js';
import { createMeshClient, type MeshClient } from '../../../src/rpc/client/index.js';
import { freePort, startServerProcess, type ServerProcess } from './fixtures/server-process.js';

describe('balancer over two server processes', () => {
  const processes: ServerProcess[] = [];
  let handle: MeshClient<typeof AuthService> | undefined;
  after(async () => {
    handle?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  test('spreads calls, and keeps succeeding through the survivor when one is killed', async () => {
    const [first, second] = await Promise.all([freePort().then(startServerProcess), freePort().then(startServerProcess)]);
    processes.push(first!, second!);
    handle = createMeshClient(AuthService, { baseUrls: `${first!.url},${second!.url}` });
    assert.deepEqual(handle.endpoints, [first!.url, second!.url]);
    const client = handle.client;

    // Four callers keep two calls in flight each; power of two choices uses both endpoints.
    const load = async (calls: number) => {
      await Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (let i = 0; i < calls; i++) {
            const res = await client.getUser({ userId: `slow:${5 + worker}` });
            assert.equal(res.user?.userId, `slow:${5 + worker}`);
          }
        }),
      );
    };
    await load(10);
    const [countFirst, countSecond] = await Promise.all([first!.count(), second!.count()]);
    assert.equal(countFirst + countSecond, 40);
    assert.ok(countFirst >= 8 && countSecond >= 8, `spread ${countFirst}/${countSecond}`);

    // Kill one while calls are in flight: every call still succeeds.
    const during = load(25);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await first!.kill();
    await during;
    const afterKill = await second!.count();
    await load(5);
    assert.equal((await second!.count()) - afterKill, 20, 'the survivor served every later call');
    assert.equal(handle.breaker(first!.url)!.state.state, CircuitState.OPEN);
    assert.equal(handle.breaker(second!.url)!.state.state, CircuitState.CLOSED);
  });
});
