import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { runWithContext } from '../../../src/context/index.js';
import { createMeshClient, type MeshClient, type ServiceClientOptions } from '../../../src/rpc/client/index.js';
import { startAuthTestServer, type AuthTestServer } from './fixtures/auth-test-server.js';

const HOP_DELAY_MS = 40;

function isCode(code: Code) {
  return (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  };
}

describe('deadline propagation', () => {
  const servers: AuthTestServer[] = [];
  const clients: MeshClient<typeof AuthService>[] = [];
  const connect = (server: AuthTestServer, options: Partial<ServiceClientOptions> = {}) => {
    const handle = createMeshClient(AuthService, { baseUrls: server.url, ...options });
    clients.push(handle);
    return handle.client;
  };
  // What the server kit does for a handler: the incoming deadline becomes the context's.
  const asServerKit = <T>(ctx: HandlerContext, fn: () => Promise<T>) =>
    runWithContext({ deadline: Date.now() + (ctx.timeoutMs() ?? Number.POSITIVE_INFINITY) }, fn);

  let a: AuthTestServer;
  let b: AuthTestServer;
  let c: AuthTestServer;

  before(async () => {
    c = await startAuthTestServer();
    servers.push(c);
    const toC = () => connect(c, { protocol: 'grpc' });
    b = await startAuthTestServer({
      getUser: async (userId, ctx) => {
        await sleep(HOP_DELAY_MS);
        await asServerKit(ctx, () => toC().getUser({ userId }));
      },
    });
    servers.push(b);
    const toB = () => connect(b, { protocol: 'grpc-web' });
    a = await startAuthTestServer({
      getUser: async (userId, ctx) => {
        await sleep(HOP_DELAY_MS);
        await asServerKit(ctx, () => toB().getUser({ userId }));
      },
    });
    servers.push(a);
  });

  after(async () => {
    for (const handle of clients) handle.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  test('the remaining budget shrinks along a three-hop chain and is never extended', async () => {
    const given = 2_000;
    await connect(a).getUser({ userId: 'chain' }, { timeoutMs: given });
    const seenA = a.calls.at(-1)!.timeoutMs!;
    const seenB = b.calls.at(-1)!.timeoutMs!;
    const seenC = c.calls.at(-1)!.timeoutMs!;
    assert.ok(seenA <= given, `A saw ${seenA}`);
    // Each hop waited HOP_DELAY_MS before calling on, so the budget must drop by at least that.
    assert.ok(seenB <= seenA - HOP_DELAY_MS + 1, `B saw ${seenB}, A saw ${seenA}`);
    assert.ok(seenC <= seenB - HOP_DELAY_MS + 1, `C saw ${seenC}, B saw ${seenB}`);
    assert.ok(seenC > 0);
    // The hop clients' own default (10 s) was not used: the inherited deadline is smaller.
    assert.match(b.calls.at(-1)!.headers['grpc-timeout']!, /^\d+m$/);
    assert.match(c.calls.at(-1)!.headers['grpc-timeout']!, /^\d+m$/);
  });

  test('an explicit timeout longer than the inherited budget is cut down', async () => {
    const client = connect(c);
    // Seconds, not milliseconds, of budget: the lower bound must hold on a loaded machine too.
    await runWithContext({ deadline: Date.now() + 5_000 }, () => client.getUser({ userId: 'cut' }, { timeoutMs: 60_000 }));
    const seen = c.calls.at(-1)!.timeoutMs!;
    assert.ok(seen <= 5_000 && seen > 1_000, `saw ${seen}`);
  });

  test('a spent budget fails with DeadlineExceeded without a network call', async () => {
    const client = connect(c);
    await client.getUser({ userId: 'warm-up' });
    const before = c.count();
    await assert.rejects(
      runWithContext({ deadline: Date.now() - 1 }, () => client.getUser({ userId: 'late' })),
      isCode(Code.DeadlineExceeded),
    );
    await assert.rejects(
      runWithContext({ deadline: Date.now() + 2 }, () => client.getUser({ userId: 'nearly-late' })),
      isCode(Code.DeadlineExceeded),
    );
    assert.equal(c.count(), before, 'the server received no request');
  });

  test('a per-method timeout applies and aborts the call at the deadline', async () => {
    const client = connect(c, { methodTimeoutsMs: { GetUser: 150 }, retry: false });
    const started = Date.now();
    await assert.rejects(client.getUser({ userId: 'slow:5000' }), isCode(Code.DeadlineExceeded));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 4_000, `failed after ${elapsed} ms`);
    assert.ok(c.calls.at(-1)!.timeoutMs! <= 150);
    // Other methods keep the default.
    await client.deleteUser({ userId: 'x' });
    assert.ok(c.calls.at(-1)!.timeoutMs! > 9_000);
  });
});
