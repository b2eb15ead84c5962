import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createNodeHttpClient, Http2SessionManager } from '@connectrpc/connect-node';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { MAX_READ_NOTICE_INTERVAL_MS, throttleReadNotices, type SessionManagerView } from '../../../src/rpc/client/index.js';
import { createMeshTransport } from '../../../src/rpc/client/mesh-transport.js';
import { startAuthTestServer, type AuthTestServer } from './fixtures/auth-test-server.js';

const CALLS = 20;

/** callsThrough makes CALLS calls over `sessions` and returns how often `manager` heard of a response read, and how long they took. */
async function callsThrough(server: AuthTestServer, manager: Http2SessionManager, sessions: SessionManagerView): Promise<{ notices: number; elapsedMs: number }> {
  let notices = 0;
  const notify = manager.notifyResponseByteRead.bind(manager);
  manager.notifyResponseByteRead = (stream) => {
    notices++;
    notify(stream);
  };
  const httpClient = createNodeHttpClient({ httpVersion: '2', sessionProvider: () => sessions });
  const client = createClient(AuthService, createMeshTransport({ protocol: 'connect', baseUrl: server.url, httpClient, interceptors: [] }));
  const started = Date.now();
  for (let i = 0; i < CALLS; i++) {
    const res = await client.getUser({ userId: `u${i}` });
    assert.equal(res.user?.userId, `u${i}`);
  }
  return { notices, elapsedMs: Date.now() - started };
}

describe('throttleReadNotices', () => {
  let server: AuthTestServer;
  const managers: Http2SessionManager[] = [];
  const manager = (pingIntervalMs: number) => {
    const made = new Http2SessionManager(server.url, { pingIntervalMs, pingTimeoutMs: 5_000 });
    managers.push(made);
    return made;
  };

  before(async () => {
    server = await startAuthTestServer();
  });
  after(async () => {
    for (const made of managers) made.abort();
    await server.close();
  });

  test('without it, a manager with a ping interval hears of every read', async () => {
    const raw = manager(10_000);
    const { notices } = await callsThrough(server, raw, raw);
    assert.ok(notices >= CALLS, `${notices} notices for ${CALLS} calls`);
  });

  test('passes on at most one read notice per interval, and calls go through', async () => {
    const raw = manager(10_000);
    const { notices, elapsedMs } = await callsThrough(server, raw, throttleReadNotices(raw, 10_000));
    assert.ok(notices >= 1, 'the first read is heard');
    assert.ok(notices <= Math.ceil(elapsedMs / MAX_READ_NOTICE_INTERVAL_MS) + 1, `${notices} notices in ${elapsedMs} ms`);
  });

  test('a tenth of a short ping interval is the interval', async () => {
    const raw = manager(100);
    const { notices, elapsedMs } = await callsThrough(server, raw, throttleReadNotices(raw, 100));
    assert.ok(notices >= 1 && notices <= Math.ceil(elapsedMs / 10) + 1, `${notices} notices in ${elapsedMs} ms`);
  });

  test('a manager that never pings is used as it is', () => {
    const raw = manager(Number.POSITIVE_INFINITY);
    assert.equal(throttleReadNotices(raw, Number.POSITIVE_INFINITY), raw);
  });
});
