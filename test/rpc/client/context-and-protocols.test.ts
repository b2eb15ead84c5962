import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Health, HealthCheckResponse_ServingStatus } from '../../../gen/grpc/health/v1/health_pb.js';
import { createServer as createHttp1Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter, createConnectTransport } from '@connectrpc/connect-node';
import { getContext, runWithContext } from '../../../src/context/index.js';
import { createContextInterceptor } from '../../../src/rpc/interceptors/index.js';
import {
  authClient,
  closeMeshClients,
  createMeshClient,
  meshClient,
  type MeshClient,
} from '../../../src/rpc/client/index.js';
import { startAuthTestServer, type AuthTestServer } from './fixtures/auth-test-server.js';

describe('client context and protocols', () => {
  let server: AuthTestServer;
  const clients: MeshClient<typeof AuthService>[] = [];
  const client = (options: Partial<Parameters<typeof createMeshClient>[1]> = {}) => {
    const handle = createMeshClient(AuthService, { baseUrls: server.url, ...options });
    clients.push(handle);
    return handle.client;
  };

  before(async () => {
    server = await startAuthTestServer();
  });
  after(async () => {
    for (const handle of clients) handle.close();
    await server.close();
  });

  test('the request context arrives at the server as headers', async () => {
    const auth = client();
    const traceId = 'a'.repeat(32);
    await runWithContext({ traceId, spanId: 'b'.repeat(16), correlationId: 'corr-1', userId: 'user-7', tenantId: 't-1', authToken: 'tok' }, () =>
      auth.getUser({ userId: 'u1' }),
    );
    const seen = server.calls.at(-1)!;
    const [version, trace, span, flags] = seen.headers['traceparent']!.split('-');
    assert.deepEqual([version, trace, flags], ['00', traceId, '01']);
    assert.match(span!, /^[0-9a-f]{16}$/);
    assert.notEqual(span, 'b'.repeat(16), 'each call is a new span');
    assert.equal(seen.headers['x-correlation-id'], 'corr-1');
    assert.equal(seen.headers['x-user-id'], 'user-7');
    assert.equal(seen.headers['x-tenant-id'], 't-1');
    assert.equal(seen.headers['authorization'], 'Bearer tok');
  });

  test('inner interceptors of a call outside any context run in its fresh context, unless innerReadsContext says none reads it', async () => {
    const seenInside: Array<string | undefined> = [];
    const inspect: Interceptor = (next) => (req) => {
      seenInside.push(getContext()?.traceId);
      return next(req);
    };
    await client({ interceptors: [inspect] }).getUser({ userId: 'inside-1' });
    const traceOf = (call: { headers: Record<string, string> }) => call.headers['traceparent']!.split('-')[1];
    assert.equal(seenInside[0], traceOf(server.calls.at(-1)!), 'a mesh client with interceptors of its own runs them in the context it sends');

    const bare = createClient(
      AuthService,
      createConnectTransport({ baseUrl: server.url, httpVersion: '2', interceptors: [createContextInterceptor({ innerReadsContext: () => false }), inspect] }),
    );
    await bare.getUser({ userId: 'inside-2' });
    assert.equal(seenInside[1], undefined, 'not run inside it');
    assert.match(server.calls.at(-1)!.headers['traceparent']!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'yet sent');
  });

  test('a breaker listener runs in the context of the call outside any context that moved the breaker', async () => {
    // A port nothing listens on: the call fails with Unavailable, which the breaker counts.
    const dead = createMeshClient(AuthService, { baseUrls: 'http://127.0.0.1:9', retry: false, breaker: { failureThreshold: 1 } });
    clients.push(dead);
    const seenByListener: Array<string | undefined> = [];
    const subscription = dead.onBreakerStateChange(() => seenByListener.push(getContext()?.traceId));
    try {
      await assert.rejects(dead.client.getUser({ userId: 'nobody' }), (error: unknown) => ConnectError.from(error).code === Code.Unavailable);
      assert.equal(seenByListener.length, 1, 'the breaker opened once');
      assert.match(seenByListener[0] ?? '', /^[0-9a-f]{32}$/, "the listener saw the call's fresh context");
    } finally {
      subscription.dispose();
    }
  });

  test('a call outside any context still carries a fresh trace and correlation id', async () => {
    const auth = client();
    await auth.getUser({ userId: 'u2' });
    await auth.getUser({ userId: 'u3' });
    const [first, second] = server.calls.slice(-2);
    assert.match(first!.headers['traceparent']!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.ok(first!.headers['x-correlation-id']);
    assert.notEqual(first!.headers['traceparent'], second!.headers['traceparent']);
  });

  for (const protocol of ['connect', 'grpc', 'grpc-web'] as const) {
    test(`${protocol}: calls succeed and errors keep their code`, async () => {
      const auth = client({ protocol });
      const res = await auth.getUser({ userId: `via-${protocol}` });
      assert.equal(res.user?.userId, `via-${protocol}`);
      const seen = server.calls.at(-1)!;
      const expected = { connect: 'application/proto', grpc: 'application/grpc', 'grpc-web': 'application/grpc-web' }[protocol];
      assert.ok(seen.contentType.startsWith(expected), `content-type ${seen.contentType}`);
      assert.equal(seen.headers['x-correlation-id'] !== undefined, true);
      assert.ok(seen.timeoutMs !== undefined && seen.timeoutMs > 9_000 && seen.timeoutMs <= 10_000, `default timeout, got ${seen.timeoutMs}`);
      await assert.rejects(auth.getUser({ userId: 'missing' }), (error: unknown) => {
        assert.ok(error instanceof ConnectError);
        assert.equal(error.code, Code.NotFound);
        return true;
      });
    });
  }

  test('connect with JSON works too', async () => {
    const auth = client({ useJson: true });
    const res = await auth.getUser({ userId: 'json' });
    assert.equal(res.user?.userId, 'json');
    assert.ok(server.calls.at(-1)!.contentType.startsWith('application/json'));
  });

  test('clients of one endpoint share one HTTP/2 connection', async () => {
    const before = server.sessionCount();
    const a = client();
    const b = client({ protocol: 'grpc' });
    await Promise.all([a.getUser({ userId: 'a' }), b.getUser({ userId: 'b' }), a.getUser({ userId: 'c' })]);
    await a.getUser({ userId: 'd' });
    // The earlier tests' clients still hold the pooled session, so none is added.
    assert.ok(server.sessionCount() - before <= 1, `opened ${server.sessionCount() - before} sessions`);
  });

  test('server-streaming calls carry context and deadline, are balanced, and are not retried', async () => {
    const second = await startAuthTestServer();
    const handle = createMeshClient(Health, { baseUrls: [server.url, second.url], protocol: 'grpc' });
    try {
      const statuses: HealthCheckResponse_ServingStatus[] = [];
      // Concurrent streams, so that least-outstanding choice must use both endpoints.
      await runWithContext({ correlationId: 'stream-corr', deadline: Date.now() + 2_000 }, () =>
        Promise.all(
          Array.from({ length: 6 }, async () => {
            for await (const res of handle.client.watch({ service: '3' })) statuses.push(res.status);
          }),
        ),
      );
      assert.equal(statuses.length, 18);
      const watches = [...server.calls, ...second.calls].filter((c) => c.method === 'Watch');
      assert.equal(watches.length, 6);
      assert.ok(watches.every((c) => c.headers['x-correlation-id'] === 'stream-corr'));
      assert.ok(watches.every((c) => c.timeoutMs! <= 2_000), 'the inherited deadline applies');
      assert.ok(server.count('Watch') > 0 && second.count('Watch') > 0, 'both endpoints served streams');
      assert.deepEqual([...handle.outstanding().values()], [0, 0], 'finished streams are not outstanding');

      // Outside a deadline, a stream gets no default timeout (unary calls do).
      for await (const _ of handle.client.watch({ service: '1' }));
      const unbounded = [...server.calls, ...second.calls].filter((c) => c.method === 'Watch');
      assert.equal(unbounded.length, 7);
      assert.ok(unbounded.some((c) => c.timeoutMs === undefined));

      second.failNext('Watch', 10);
      server.failNext('Watch', 10);
      const before = server.count('Watch') + second.count('Watch');
      await assert.rejects(async () => {
        for await (const _ of handle.client.watch({ service: '1' }));
      }, (e: unknown) => ConnectError.from(e).code === Code.Unavailable);
      assert.equal(server.count('Watch') + second.count('Watch') - before, 1, 'streams are not retried');
    } finally {
      handle.close();
      await second.close();
    }
  });

  test('HTTP/1.1 works for Connect and gRPC-Web', async () => {
    const http1 = createHttp1Server(
      connectNodeAdapter({ routes: (router) => router.service(AuthService, { getUser: (req) => ({ user: { userId: req.userId } }) }) }),
    );
    await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http1.address() as AddressInfo).port}`;
    try {
      for (const protocol of ['connect', 'grpc-web'] as const) {
        const res = await client({ baseUrls: url, httpVersion: '1.1', protocol }).getUser({ userId: `h1-${protocol}` });
        assert.equal(res.user?.userId, `h1-${protocol}`);
      }
      assert.throws(() => createMeshClient(AuthService, { baseUrls: url, httpVersion: '1.1', protocol: 'grpc' }), RangeError);
    } finally {
      http1.closeAllConnections();
      await new Promise((resolve) => http1.close(resolve));
    }
  });

  test('a closed client fails its calls with Canceled', async () => {
    const handle = createMeshClient(AuthService, { baseUrls: server.url });
    await handle.client.getUser({ userId: 'open' });
    handle.close();
    await assert.rejects(handle.client.getUser({ userId: 'closed' }), (e: unknown) => ConnectError.from(e).code === Code.Canceled);
  });

  test('the ready clients read their URLs from the environment', async () => {
    const previous = process.env['AUTH_SERVICE_URL'];
    process.env['AUTH_SERVICE_URL'] = `${server.url}/, ${server.url}`;
    try {
      closeMeshClients();
      const res = await authClient.getUser({ userId: 'ready' });
      assert.equal(res.user?.userId, 'ready');
      assert.deepEqual(meshClient('auth').endpoints, [server.url]);
      assert.equal(server.calls.at(-1)!.headers['x-correlation-id'] !== undefined, true);
    } finally {
      closeMeshClients();
      if (previous === undefined) delete process.env['AUTH_SERVICE_URL'];
      else process.env['AUTH_SERVICE_URL'] = previous;
    }
  });
});
