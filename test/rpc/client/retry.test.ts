import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { RetryInfoSchema } from '../../../gen/mesh/v1/error_details_pb.js';
import { createMeshClient, type MeshClient, type ServiceClientOptions } from '../../../src/rpc/client/index.js';
import type { RetryEvent } from '../../../src/rpc/interceptors/index.js';
import { startAuthTestServer, type AuthTestServer } from './fixtures/auth-test-server.js';
import { freePort, startServerProcess, type ServerProcess } from './fixtures/server-process.js';

const FAST_BACKOFF = { initialDelay: 5, maxDelay: 20 };

function hasCode(code: Code) {
  return (error: unknown) => {
    assert.equal(ConnectError.from(error).code, code);
    return true;
  };
}

describe('retry', () => {
  let server: AuthTestServer;
  const handles: MeshClient<typeof AuthService>[] = [];
  const processes: ServerProcess[] = [];
  const connect = (options: Partial<ServiceClientOptions> = {}) => {
    const handle = createMeshClient(AuthService, { baseUrls: server.url, breaker: false, ...options });
    handles.push(handle);
    return handle;
  };

  before(async () => {
    server = await startAuthTestServer();
  });
  after(async () => {
    for (const handle of handles) handle.close();
    await Promise.all(processes.map((p) => p.kill()));
    await server.close();
  });

  test('an idempotent call succeeds when its server restarts within the deadline', async () => {
    const port = await freePort();
    processes.push(await startServerProcess(port));
    const retries: RetryEvent[] = [];
    const handle = createMeshClient(AuthService, {
      baseUrls: `http://127.0.0.1:${port}`,
      breaker: false,
      retry: { maxAttempts: 50, backoff: { initialDelay: 100, maxDelay: 400 }, onRetry: (e) => retries.push(e) },
    });
    handles.push(handle);
    await handle.client.getUser({ userId: 'warm-up' });
    await processes.pop()!.kill();

    const call = handle.client.getUser({ userId: 'after-restart' }, { timeoutMs: 15_000 });
    const restarted = await startServerProcess(port);
    processes.push(restarted);
    const res = await call;
    assert.equal(res.user?.userId, 'after-restart');
    assert.ok(retries.length >= 1, 'the call was retried');
    assert.ok(retries.every((r) => r.error.code === Code.Unavailable));
    assert.equal(await restarted.count(), 1, 'exactly one attempt reached the restarted server');
  });

  test('a non-idempotent call without a key is never retried', async () => {
    const { client } = connect({ retry: { backoff: FAST_BACKOFF } });
    server.failNext('CreateUser', 1);
    const before = server.count('CreateUser');
    await assert.rejects(client.createUser({ email: 'a@example.com' }), hasCode(Code.Unavailable));
    assert.equal(server.count('CreateUser') - before, 1);
  });

  test('a non-idempotent call carrying an idempotency-key is retried with the same key', async () => {
    const { client } = connect({ retry: { backoff: FAST_BACKOFF } });
    server.failNext('CreateUser', 2);
    const before = server.count('CreateUser');
    const res = await client.createUser({ email: 'b@example.com' }, { headers: { 'idempotency-key': 'op-42' } });
    assert.equal(res.user?.userId, 'b@example.com');
    const attempts = server.calls.filter((c) => c.method === 'CreateUser').slice(before);
    assert.equal(attempts.length, 3);
    assert.ok(attempts.every((c) => c.headers['idempotency-key'] === 'op-42'));
  });

  test("a retry does not repeat what the user's inner interceptors appended to the header", async () => {
    const tagAttempt: Interceptor = (next) => (req) => {
      req.header.append('x-attempt-tag', 'tagged');
      return next(req);
    };
    const { client } = connect({ retry: { backoff: FAST_BACKOFF }, interceptors: [tagAttempt] });
    server.failNext('GetUser', 2);
    await client.getUser({ userId: 'tagged' });
    const attempts = server.calls.slice(-3);
    assert.deepEqual(
      attempts.map((c) => c.headers['x-attempt-tag']),
      ['tagged', 'tagged', 'tagged'],
    );
  });

  test('only retryable codes are retried', async () => {
    const { client } = connect({ retry: { backoff: FAST_BACKOFF } });
    const before = server.count('GetUser');
    await assert.rejects(client.getUser({ userId: 'missing' }), hasCode(Code.NotFound));
    assert.equal(server.count('GetUser') - before, 1);
    server.failNext('DeleteUser', 2);
    await client.deleteUser({ userId: 'x' });
    server.failNext('DeleteUser', 5, () => new ConnectError('boom', Code.Internal));
    const beforeDelete = server.count('DeleteUser');
    await assert.rejects(client.deleteUser({ userId: 'x' }), hasCode(Code.Internal));
    assert.equal(server.count('DeleteUser') - beforeDelete, 1);
    server.failNext('DeleteUser', 0);
  });

  test('each attempt carries the time that is left, for every protocol', async () => {
    for (const protocol of ['connect', 'grpc', 'grpc-web'] as const) {
      const { client } = connect({ protocol, retry: { backoff: { initialDelay: 100, jitter: 'none' } } });
      server.failNext('GetUser', 2);
      await client.getUser({ userId: 'timed' }, { timeoutMs: 3_000 });
      const [first, second, third] = server.calls.slice(-3).map((c) => c.timeoutMs!);
      assert.ok(first! <= 3_000, `${protocol}: first ${first}`);
      // 100 ms then 200 ms of backoff between attempts.
      assert.ok(second! <= first! - 100, `${protocol}: ${first} then ${second}`);
      assert.ok(third! <= second! - 200, `${protocol}: ${second} then ${third}`);
    }
  });

  test('server-sent RetryInfo replaces the backoff, and is not retried when it does not fit the deadline', async () => {
    const { client } = connect({ retry: { backoff: { initialDelay: 1, maxDelay: 1 } } });
    const withRetryInfo = (ms: number) => () =>
      new ConnectError('overloaded, come back later', Code.Unavailable, undefined, [
        { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: create(DurationSchema, { nanos: ms * 1e6 }) }) },
      ]);
    server.failNext('GetUser', 1, withRetryInfo(300));
    const started = performance.now();
    await client.getUser({ userId: 'u' });
    assert.ok(performance.now() - started >= 295, `waited ${performance.now() - started} ms`);

    server.failNext('GetUser', 1, withRetryInfo(900));
    const before = server.count('GetUser');
    await assert.rejects(client.getUser({ userId: 'u' }, { timeoutMs: 500 }), hasCode(Code.Unavailable));
    assert.equal(server.count('GetUser') - before, 1);
  });

  test('under a total outage the retry budget caps extra attempts', async () => {
    const calls = 100;
    const budget = { retryRatio: 0.2, minRetriesPerSecond: 1, ttlMs: 10_000 };
    const floor = budget.minRetriesPerSecond * (budget.ttlMs / 1000);
    const measure = async (options: Partial<ServiceClientOptions>) => {
      const { client } = connect(options);
      server.failNext('GetUser', Number.MAX_SAFE_INTEGER);
      const before = server.count('GetUser');
      for (let i = 0; i < calls; i++) await assert.rejects(client.getUser({ userId: 'u' }), hasCode(Code.Unavailable));
      server.failNext('GetUser', 0);
      return (server.count('GetUser') - before) / calls;
    };
    const unbudgeted = await measure({ retry: { maxAttempts: 3, backoff: { initialDelay: 0 }, budget: false } });
    const budgeted = await measure({ retry: { maxAttempts: 3, backoff: { initialDelay: 0 }, budget } });
    assert.equal(unbudgeted, 3);
    assert.ok(budgeted <= 1 + budget.retryRatio + floor / calls, `attempts per call ${budgeted}`);
    assert.ok(budgeted >= 1 + budget.retryRatio, `the budget allowed its share, got ${budgeted}`);
  });

  test('retry: false sends every call once', async () => {
    const { client } = connect({ retry: false });
    server.failNext('GetUser', 1);
    const before = server.count('GetUser');
    await assert.rejects(client.getUser({ userId: 'u' }), hasCode(Code.Unavailable));
    assert.equal(server.count('GetUser') - before, 1);
  });
});
