import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { BrokenCircuitError, CircuitState } from '../../../src/resilience/index.js';
import { createMeshClient } from '../../../src/rpc/client/index.js';
import type { EndpointStateChange } from '../../../src/rpc/interceptors/index.js';
import { freePort, startServerProcess, type ServerProcess } from './fixtures/server-process.js';

const RESET_TIMEOUT_MS = 30_000;

describe('circuit breaker against a server process that is killed', () => {
  const processes: ServerProcess[] = [];
  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
  });

  test('opens after the threshold, fails fast, probes half-open, and closes when the server is back', async () => {
    const port = await freePort();
    processes.push(await startServerProcess(port));
    // A movable clock stands in for waiting out the reset timeout.
    let skew = 0;
    const handle = createMeshClient(AuthService, {
      baseUrls: `http://127.0.0.1:${port}`,
      retry: false,
      breaker: { failureThreshold: 3, resetTimeout: RESET_TIMEOUT_MS, successThreshold: 2, now: () => Date.now() + skew },
    });
    const changes: EndpointStateChange[] = [];
    handle.onBreakerStateChange((change) => changes.push(change));
    const state = () => handle.breaker(`http://127.0.0.1:${port}`)!.state.state;
    try {
      // Business errors mean the endpoint answered: they never open the breaker.
      for (let i = 0; i < 6; i++) {
        await assert.rejects(handle.client.getUser({ userId: 'missing' }), (e: unknown) => ConnectError.from(e).code === Code.NotFound);
      }
      assert.equal(state(), CircuitState.CLOSED);

      await processes.pop()!.kill();
      for (let i = 0; i < 3; i++) {
        await assert.rejects(handle.client.getUser({ userId: 'u' }), (e: unknown) => ConnectError.from(e).code === Code.Unavailable);
      }
      assert.equal(state(), CircuitState.OPEN);

      // Back up, but the breaker is open: calls fail fast and never reach it.
      const server = await startServerProcess(port);
      processes.push(server);
      const started = performance.now();
      await assert.rejects(handle.client.getUser({ userId: 'u' }), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.code, Code.Unavailable);
        assert.ok(e.cause instanceof BrokenCircuitError);
        assert.match(e.message, new RegExp(`circuit breaker "auth\\.v1\\.AuthService@http://127\\.0\\.0\\.1:${port}" is open`));
        return true;
      });
      assert.ok(performance.now() - started < 200, 'fails fast');
      assert.equal(await server.count(), 0, 'no request reached the server while open');

      // After the reset timeout the breaker admits one probe at a time.
      skew += RESET_TIMEOUT_MS;
      const probe = handle.client.getUser({ userId: 'slow:150' });
      await assert.rejects(handle.client.getUser({ userId: 'u' }), (e: unknown) => {
        assert.ok(e instanceof ConnectError && e.cause instanceof BrokenCircuitError);
        assert.equal(e.cause.state, CircuitState.HALF_OPEN);
        return true;
      });
      await probe;
      assert.equal(state(), CircuitState.HALF_OPEN);
      await handle.client.getUser({ userId: 'u' });
      assert.equal(state(), CircuitState.CLOSED);
      assert.equal(await server.count(), 2, 'only the probes reached the server');

      assert.deepEqual(
        changes.map((c) => `${c.from.state}->${c.to.state}`),
        ['CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED'],
      );
      assert.equal(changes[0]!.endpoint, `http://127.0.0.1:${port}`);
    } finally {
      handle.close();
    }
  });

  test('a failed half-open probe re-opens the breaker', async () => {
    const port = await freePort();
    let skew = 0;
    const handle = createMeshClient(AuthService, {
      baseUrls: `http://127.0.0.1:${port}`,
      retry: false,
      breaker: { failureThreshold: 2, resetTimeout: RESET_TIMEOUT_MS, now: () => Date.now() + skew },
    });
    const transitions: string[] = [];
    handle.onBreakerStateChange((c) => transitions.push(`${c.from.state}->${c.to.state}`));
    try {
      // Nothing listens on the port: connection refused is Unavailable.
      for (let i = 0; i < 2; i++) await assert.rejects(handle.client.getUser({ userId: 'u' }));
      skew += RESET_TIMEOUT_MS;
      await assert.rejects(handle.client.getUser({ userId: 'u' }), (e: unknown) => {
        assert.ok(!(ConnectError.from(e).cause instanceof BrokenCircuitError), 'the probe was sent');
        return true;
      });
      assert.deepEqual(transitions, ['CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->OPEN']);
    } finally {
      handle.close();
    }
  });
});
