import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { NotificationService } from '../../gen/notification/v1/notification_service_pb.js';
import { listenH2c } from '../../src/services/listen-h2c.js';
import { rejectsWith } from './service-harness.js';

describe('listenH2c', () => {
  test('close lets an in-flight call finish, then refuses new connections', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const listener = await listenH2c(
      (router) =>
        void router.service(NotificationService, {
          async getPreferences(request) {
            started();
            await delay(200);
            return { preferences: { userId: request.userId } };
          },
        }),
      { port: 0, host: '127.0.0.1' },
    );
    const baseUrl = `http://127.0.0.1:${listener.port}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    const client = createClient(NotificationService, createGrpcTransport({ baseUrl, sessionManager }));
    const call = client.getPreferences({ userId: 'usr_slow' });
    await inFlight;
    const closed = listener.close();
    assert.equal((await call).preferences?.userId, 'usr_slow');
    await closed;
    sessionManager.abort();
    const fresh = new Http2SessionManager(baseUrl);
    await rejectsWith(createClient(NotificationService, createGrpcTransport({ baseUrl, sessionManager: fresh })).getPreferences({ userId: 'x' }), Code.Unavailable);
    fresh.abort();
  });

  test('close cuts sessions that outlive the timeout', async () => {
    const listener = await listenH2c(
      (router) =>
        void router.service(NotificationService, {
          async getPreferences(_request, context) {
            // The signal aborts when the session is cut, so no timer outlives the test.
            await delay(10_000, undefined, { signal: context.signal }).catch(() => undefined);
            return {};
          },
        }),
      { port: 0, host: '127.0.0.1', closeTimeoutMs: 100 },
    );
    const baseUrl = `http://127.0.0.1:${listener.port}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    const call = createClient(NotificationService, createGrpcTransport({ baseUrl, sessionManager }))
      .getPreferences({ userId: 'x' })
      .then(() => undefined, (error: unknown) => error);
    await delay(50);
    const startedAt = Date.now();
    await listener.close();
    assert.ok(Date.now() - startedAt < 2_000);
    assert.ok((await call) instanceof Error, 'the lingering call was cut');
    sessionManager.abort();
  });
});
