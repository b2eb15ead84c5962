import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '../../../gen/grpc/health/v1/health_pb.js';
import { createServer } from '../../../src/rpc/server/index.js';
import { createTestAuth, grpcTarget, loadGrpcPackage, unaryCall } from './test-services.js';

const pkg = loadGrpcPackage(['auth/v1/auth_service.proto']);

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await sleep(20);
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe('graceful shutdown', () => {
  test('in-flight calls on every protocol complete; new connections are refused', async () => {
    const auth = createTestAuth();
    const server = await createServer({ services: [auth.registration], host: '127.0.0.1' });
    const grpcSessions = new Http2SessionManager(server.url);
    const connectGrpc = createClient(AuthService, createGrpcTransport({ baseUrl: server.url, sessionManager: grpcSessions }));
    const connectH1 = createClient(AuthService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const grpcJs = new pkg.auth.v1.AuthService(grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
    try {
      const slow = (i: number) => `slow:${400 + i}`;
      const calls: Promise<any>[] = [];
      calls.push(connectGrpc.getUser({ userId: slow(1) }), connectGrpc.getUser({ userId: slow(2) }));
      calls.push(connectH1.getUser({ userId: slow(3) }));
      calls.push(unaryCall<any>(grpcJs, 'GetUser', { userId: slow(4) }));
      await waitFor(() => [1, 2, 3, 4].every((i) => auth.attempts.has(slow(i))), 'all calls to reach the handler');

      const started = Date.now();
      const closing = server.close();
      assert.equal(await connectionRefused(server.port), true, 'a new connection is refused while draining');
      const results = await Promise.all(calls);
      assert.deepEqual(
        results.map((r) => r.user.userId),
        [1, 2, 3, 4].map(slow),
      );
      await closing;
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 2000, `close took ${elapsed} ms, within the calls' own time plus the grace`);
      // A fresh client finds nobody listening.
      const late = createClient(AuthService, createConnectTransport({ baseUrl: server.url, httpVersion: '2' }));
      await assert.rejects(late.getUser({ userId: 'late' }), (e: unknown) => ConnectError.from(e).code === Code.Unavailable);
    } finally {
      grpcJs.close();
      grpcSessions.abort();
    }
  });

  test('calls still running at the timeout are cancelled and the server closes anyway', async () => {
    const auth = createTestAuth();
    const server = await createServer({ services: [auth.registration], shutdownTimeoutMs: 200 });
    const sessions = new Http2SessionManager(server.url);
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
    try {
      const stuck = client.getUser({ userId: 'slow:20000' }).then(
        () => 'completed',
        (e: unknown) => Code[ConnectError.from(e).code],
      );
      await waitFor(() => auth.attempts.has('slow:20000'), 'the call to reach the handler');
      const started = Date.now();
      await server.close();
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 200 && elapsed < 2000, `close took ${elapsed} ms`);
      assert.equal(await stuck, 'Unavailable', 'the handler saw the shutdown signal and the client was told');
    } finally {
      sessions.abort();
    }
  });

  test('health Watch streams status changes, then NOT_SERVING at shutdown', async () => {
    const server = await createServer({ services: [createTestAuth().registration] });
    const sessions = new Http2SessionManager(server.url);
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
    try {
      const seen: ServingStatus[] = [];
      const watching = (async () => {
        for await (const response of health.watch({ service: 'auth.v1.AuthService' })) seen.push(response.status);
      })();
      const unknown: ServingStatus[] = [];
      const watchingUnknown = (async () => {
        for await (const response of health.watch({ service: 'nope.v1.Nope' })) unknown.push(response.status);
      })();
      await waitFor(() => seen.length === 1 && unknown.length === 1, 'the initial statuses');
      assert.deepEqual(seen, [ServingStatus.SERVING]);
      assert.deepEqual(unknown, [ServingStatus.SERVICE_UNKNOWN]);

      server.health.setStatus('auth.v1.AuthService', ServingStatus.NOT_SERVING);
      server.health.setStatus('auth.v1.AuthService', ServingStatus.SERVING);
      await waitFor(() => seen.length === 3, 'two changes');
      assert.equal((await health.check({ service: 'auth.v1.AuthService' })).status, ServingStatus.SERVING);

      await server.close();
      await Promise.all([watching, watchingUnknown]);
      assert.deepEqual(seen, [ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    } finally {
      sessions.abort();
    }
  });
});
