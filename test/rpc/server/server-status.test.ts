import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { BreakerState, ServerStatusService } from '../../../gen/mesh/v1/server_status_pb.js';
import { closeMeshClients, configureMeshClients, marketClient } from '../../../src/rpc/client/index.js';
import { createServer } from '../../../src/rpc/server/index.js';
import { createTestAuth } from './test-services.js';

/** unusedPort returns a port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mesh.v1.ServerStatusService', () => {
  test('reports the calls in flight and the breakers of the ready clients', async () => {
    const deadMarket = `http://127.0.0.1:${await unusedPort()}`;
    process.env.MARKET_SERVICE_URL = deadMarket;
    configureMeshClients({ breaker: { failureThreshold: 2 }, retry: false });
    const server = await createServer({ services: [createTestAuth().registration], host: '127.0.0.1' });
    const sessions = new Http2SessionManager(server.url);
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: '2', sessionManager: sessions });
    const status = createClient(ServerStatusService, transport);
    try {
      const idle = await status.getServerStatus({});
      assert.equal(idle.inFlightCalls, 1, 'only the status call itself');
      assert.deepEqual(idle.breakers, [], 'no ready client used yet');

      const auth = createClient(AuthService, transport);
      const slow = [1, 2, 3].map((i) => auth.getUser({ userId: `slow:${600 + i}` }));
      await sleep(200);
      assert.equal((await status.getServerStatus({})).inFlightCalls, 4, 'three slow calls and the status call');
      await Promise.all(slow);

      for (let i = 0; i < 2; i++) await marketClient.getJob({ jobId: 'job_1' }).catch(() => undefined);
      const tripped = await status.getServerStatus({});
      assert.deepEqual(
        tripped.breakers.map((b) => ({ service: b.service, endpoint: b.endpoint, state: BreakerState[b.state] })),
        [{ service: 'market.v1.MarketService', endpoint: deadMarket, state: 'OPEN' }],
      );
    } finally {
      closeMeshClients();
      configureMeshClients({});
      delete process.env.MARKET_SERVICE_URL;
      sessions.abort();
      await server.close({ timeoutMs: 1_000 });
    }
  });

  test('status: false serves no status service', async () => {
    const server = await createServer({ services: [createTestAuth().registration], host: '127.0.0.1', status: false });
    try {
      assert.ok(!server.services.some((service) => service.typeName === ServerStatusService.typeName));
    } finally {
      await server.close({ timeoutMs: 1_000 });
    }
  });
});
