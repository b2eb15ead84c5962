import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { MarketService } from '../../gen/market/v1/market_service_pb.js';
import { SERVICE_NAMES, ServiceCatalog } from '../../src/services/service-catalog.js';
import { money } from '../../src/services/shared/money.js';
import { startService } from '../../src/services/start-service.js';
import { rejectsWith } from './service-harness.js';

const MAIN = fileURLToPath(new URL('../../src/services/main.ts', import.meta.url));

describe('startService', () => {
  test('serves each of the six services on a free port, over gRPC too, and stops serving on close', async () => {
    for (const name of SERVICE_NAMES) {
      const service = await startService(name, { port: 0 });
      assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(service.port, ServiceCatalog[name].defaultPort);
      const sessionManager = new Http2SessionManager(service.url);
      const client = createClient(ServiceCatalog[name].service, createGrpcTransport({ baseUrl: service.url, sessionManager }));
      // Calling the first RPC with an empty request proves routing: the handler answers, with data or a typed error.
      const first = ServiceCatalog[name].service.methods[0]!;
      const call = (client as unknown as Record<string, (request: object) => Promise<unknown>>)[first.localName]!;
      await call({}).catch((error: { code?: Code }) => assert.notEqual(error.code, Code.Unimplemented, `${name}.${first.name}`));
      sessionManager.abort();
      await service.close();
      const after = new Http2SessionManager(service.url);
      const closedClient = createClient(MarketService, createGrpcTransport({ baseUrl: service.url, sessionManager: after }));
      await rejectsWith(closedClient.getJob({ jobId: 'x' }), Code.Unavailable);
      after.abort();
    }
  });
});

describe('main.ts', () => {
  test('runs one service as its own process, prints its URL, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'market', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const announced = JSON.parse(line) as { service: string; url: string; events: string };
      assert.equal(announced.service, 'market');
      assert.equal(announced.events, 'kafka');
      const sessionManager = new Http2SessionManager(announced.url);
      const client = createClient(MarketService, createGrpcTransport({ baseUrl: announced.url, sessionManager }));
      const budget = { type: BudgetType.HOURLY, min: money('EUR', 20n), max: money('EUR', 80n) };
      const { job } = await client.createJob({ clientId: 'usr_c', title: 'Separate process', description: 'd', budget });
      assert.equal((await client.getJob({ jobId: job!.jobId })).job?.title, 'Separate process');
      sessionManager.abort();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('refuses an unknown service with exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'payroll'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /unknown service "payroll"/);
  });

});
