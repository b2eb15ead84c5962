import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAMES, ServiceCatalog, type ServiceName } from '../../src/services/service-catalog.js';
import { startService } from '../../src/services/start-service.js';
import { runCliToEnd } from './cli-process.js';

// One valid request per service, and the field of the response that proves it was served.
const REQUESTS: Record<ServiceName, { target: string; json: unknown; expect: (response: any) => unknown }> = {
  auth: { target: 'auth/CreateUser', json: { email: 'ann@example.com', displayName: 'Ann', roles: ['ROLE_CLIENT'] }, expect: (r) => r.user.userId },
  market: {
    target: 'market.v1.MarketService/CreateJob',
    json: { clientId: 'usr_1', title: 'Build a landing page', description: 'A landing page with a form', budget: { type: 'BUDGET_TYPE_FIXED', min: { currencyCode: 'EUR', units: '500' }, max: { currencyCode: 'EUR', units: '1500' } } },
    expect: (r) => r.job.jobId,
  },
  skillpod: { target: 'skillpod/ProvisionPod', json: { contractId: 'ctr_1', freelancerId: 'usr_2', templateId: 'standard' }, expect: (r) => r.pod.podId },
  cockpit: { target: 'cockpit/CreateProject', json: { contractId: 'ctr_1', freelancerId: 'usr_2', clientId: 'usr_1', name: 'Landing page' }, expect: (r) => r.project.projectId },
  billing: { target: 'billing/reserveFunds', json: { clientId: 'usr_1', amount: { currencyCode: 'EUR', units: '100' }, reference: 'ref-1' }, expect: (r) => r.reservation.reservationId },
  notification: { target: 'notification/GetPreferences', json: { userId: 'usr_1' }, expect: (r) => r.preferences.userId },
};
const PROTOCOLS = ['connect', 'grpc', 'grpc-web'] as const;

const servers: { close(): Promise<void> }[] = [];
const env: NodeJS.ProcessEnv = { ...process.env };

before(async () => {
  for (const name of SERVICE_NAMES) {
    // In-memory events: these tests are about the CLI's calls, not Kafka.
    const service = await startService(name, { port: 0, host: '127.0.0.1' });
    servers.push(service);
    env[ServiceCatalog[name].urlEnvVar] = service.url;
  }
});
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('mesh call', () => {
  test('round-trips a request to each of the six services (over connect, grpc and grpc-web)', async () => {
    const results = await Promise.all(
      SERVICE_NAMES.map((name, index) => {
        const { target, json } = REQUESTS[name];
        return runCliToEnd(['call', target, JSON.stringify(json), '--protocol', PROTOCOLS[index % PROTOCOLS.length]!, '--header', 'x-demo:1'], env);
      }),
    );
    for (const [index, name] of SERVICE_NAMES.entries()) {
      const result = results[index]!;
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      const response = JSON.parse(result.stdout);
      assert.ok(REQUESTS[name].expect(response), `${name} answered ${result.stdout}`);
    }
  });

  test('bad JSON, a request that does not fit, unknown services and methods: one clear line and exit 1', async () => {
    const cases: { args: string[]; line: RegExp }[] = [
      { args: ['call', 'auth/GetUser', '{bad'], line: /^mesh: the request is not valid JSON .*\[BAD_JSON\]$/ },
      { args: ['call', 'auth/GetUser', '{"nope":1}'], line: /^mesh: the request does not fit auth\.v1\.GetUserRequest: .*"nope" is unknown \[BAD_JSON\]$/ },
      { args: ['call', 'auth/Nope', '{}'], line: /^mesh: auth\.v1\.AuthService has no method "Nope"; its methods are GetUser, .*\[UNKNOWN_METHOD\]$/ },
      { args: ['call', 'payroll/Pay', '{}'], line: /^mesh: unknown service "payroll"; the services are auth, market, .*\[UNKNOWN_SERVICE\]$/ },
      { args: ['call', 'auth/GetUser', '{"userId":"usr_missing"}'], line: /^mesh: auth\.v1\.AuthService\/GetUser failed: NOT_FOUND: .*usr_missing.* details=\[\{"type":"mesh\.v1\.ErrorInfo"/ },
    ];
    const results = await Promise.all(cases.map((c) => runCliToEnd(c.args, env)));
    for (const [index, { args, line }] of cases.entries()) {
      const result = results[index]!;
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      const lines = result.stderr.split('\n').filter((l) => l.length > 0);
      assert.equal(lines.length, 1, `${args.join(' ')} printed ${result.stderr}`);
      assert.match(lines[0]!, line);
    }
  });

  test('--json prints a failed call as {code, message, details} and a refused connection says to start the mesh', async () => {
    const missing = await runCliToEnd(['call', 'auth/GetUser', '{"userId":"usr_missing"}', '--json'], env);
    assert.equal(missing.code, 1);
    const report = JSON.parse(missing.stdout);
    assert.equal(report.code, 'NOT_FOUND');
    assert.equal(report.details[0].value.reason, 'NOT_FOUND');

    const down = await runCliToEnd(['call', 'auth/GetUser', '{"userId":"u"}', '--url', 'http://127.0.0.1:1', '--deadline', '2000'], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^mesh: auth\.v1\.AuthService\/GetUser failed: UNAVAILABLE: .*start the mesh with `npm start`\)$/);
  });
});
