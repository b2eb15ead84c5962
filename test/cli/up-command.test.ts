import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { KafkaMessage } from 'kafkajs';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { Health, HealthCheckResponse_ServingStatus } from '../../gen/grpc/health/v1/health_pb.js';
import { EventChannels } from '../../src/events/event-channels.js';
import { SERVICE_NAMES, ServiceCatalog } from '../../src/services/service-catalog.js';
import { testKafka } from '../support/kafka.js';
import { freePorts, isAlive, meshEnv, runCli, type CliProcess } from './cli-process.js';

/** ALL_SERVING_TIMEOUT_MS bounds the start of six services on a loaded 2-core machine. */
const ALL_SERVING_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 30_000;
const RECORD_TIMEOUT_MS = 20_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const started: CliProcess[] = [];
after(() => {
  for (const cli of started) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

describe('mesh up (npm start)', () => {
  test('brings six services to SERVING, serves real RPCs that publish to Kafka, and stops everything on SIGINT with exit 0', async (t) => {
    const { env, urls } = meshEnv(await freePorts(SERVICE_NAMES.length));
    const startedAt = Date.now();
    const up = runCli(['up', '--refresh', '500'], env);
    started.push(up);
    await up.waitForLine(/^mesh: all 8 components ready in/, ALL_SERVING_TIMEOUT_MS);
    const allServingMs = Date.now() - startedAt;
    const pids = new Map<string, number>();
    for (const line of up.stdout) {
      const match = line.match(/^mesh: (\w+) SERVING at (\S+) \(pid (\d+)/);
      if (match) pids.set(match[1]!, Number(match[3]));
    }
    assert.deepEqual([...pids.keys()].sort(), [...SERVICE_NAMES].sort());
    for (const line of up.stdout) {
      const match = line.match(/^mesh: ([\w-]+) ready \(pid (\d+)/);
      if (match) pids.set(match[1]!, Number(match[2]));
    }
    assert.ok(pids.has('saga-coordinator') && pids.has('job-workers'), up.stdout.join('\n'));
    t.diagnostic(`all six SERVING ${allServingMs} ms after spawning mesh up`);

    // Our own health checks, not the CLI's table.
    const sessions: Http2SessionManager[] = [];
    const grpc = (url: string) => {
      const sessionManager = new Http2SessionManager(url);
      sessions.push(sessionManager);
      return createGrpcTransport({ baseUrl: url, sessionManager });
    };
    try {
      for (const name of SERVICE_NAMES) {
        const health = createClient(Health, grpc(urls[name]));
        const { status } = await health.check({ service: ServiceCatalog[name].service.typeName });
        assert.equal(HealthCheckResponse_ServingStatus[status], 'SERVING', name);
      }

      // The table was printed once (stdout is not a TTY).
      await up.waitForLine(/^mesh up · Kafka /, 10_000);
      // health, calls in flight and outgoing breakers (mesh.v1.ServerStatusService), the CLI's breaker
      assert.ok(up.stdout.some((line) => /│ auth\s+│ service │ \d+\s+│ http:\/\/127\.0\.0\.1:\d+ │ SERVING\s+│ \d+\s+│ \S.*│ CLOSED/.test(line)), up.stdout.join('\n'));

      // `mesh health` against the running mesh.
      const healthy = runCli(['health', '--json'], env);
      assert.equal(await withTimeout(healthy.exited, EXIT_TIMEOUT_MS, 'mesh health'), 0, healthy.stderr.join('\n'));
      const rows = JSON.parse(healthy.stdout.join('\n')) as { service: string; status: string }[];
      assert.deepEqual(rows.map((row) => `${row.service}:${row.status}`), SERVICE_NAMES.map((name) => `${name}:SERVING`));

      // A real RPC through the mesh, whose event must reach Kafka.
      const auth = createClient(AuthService, grpc(urls.auth));
      const email = `up-${randomUUID()}@example.com`;
      const { user } = await auth.createUser({ email, displayName: 'Up Test', roles: [Role.CLIENT] });
      assert.ok(user?.userId);
      const consumer = testKafka().consumer({ groupId: `up-test-${randomUUID()}` });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: EventChannels.USERS, fromBeginning: true });
        const message = await new Promise<KafkaMessage>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('UserCreated not on events.users within the timeout')), RECORD_TIMEOUT_MS);
          void consumer.run({
            eachMessage: async ({ message }) => {
              if (message.key?.toString() !== user.userId) return;
              clearTimeout(timer);
              resolve(message);
            },
          });
        });
        assert.equal(message.headers?.ce_type?.toString(), 'auth.v1.UserCreated');
        assert.equal(message.headers?.ce_source?.toString(), '/mesh/auth');
      } finally {
        await consumer.disconnect();
      }

      // The demo drives sign-ups, a job, bids and an accepted bid; the coordinator runs the contract saga and the workers send the notifications.
      const demo = runCli(['demo', '--json'], env);
      assert.equal(await withTimeout(demo.exited, 90_000, 'mesh demo'), 0, demo.stderr.join('\n'));
      const result = JSON.parse(demo.stdout.join('\n')) as { traceId: string; sagaStatus: string; timeline: { step: string }[] };
      assert.equal(result.sagaStatus, 'COMPLETED');
      assert.match(result.traceId, /^[0-9a-f]{32}$/);
      const steps = result.timeline.map((entry) => entry.step);
      for (const step of ['auth CreateUser', 'market AcceptBid', 'saga STEP_COMPLETED', 'saga COMPLETED', 'job-workers']) assert.ok(steps.includes(step), `${step} missing from ${steps.join(', ')}`);
      assert.equal(steps.filter((step) => step === 'auth CreateUser').length, 3);
      // The live status counts the saga log by status: the demo's saga shows up as COMPLETED.
      await up.waitForLine(/^mesh: sagas COMPLETED: .+ -> \d+$/, 30_000);
    } finally {
      for (const session of sessions) session.abort();
    }

    up.child.kill('SIGINT');
    assert.equal(await withTimeout(up.exited, EXIT_TIMEOUT_MS, 'mesh up shutdown'), 0, up.stderr.join('\n'));
    assert.ok(up.stdout.includes('mesh: stopped'), up.stdout.join('\n'));
    for (const [name, pid] of pids) assert.equal(isAlive(pid), false, `${name} (pid ${pid}) is still running`);

    const unhealthy = runCli(['health', '--json'], env);
    assert.equal(await withTimeout(unhealthy.exited, EXIT_TIMEOUT_MS, 'mesh health'), 1);
    assert.ok((JSON.parse(unhealthy.stdout.join('\n')) as { status: string }[]).every((row) => row.status === 'UNREACHABLE'));
  });

  test('a service that cannot start fails the command with one clear line and stops the others', async () => {
    const ports = await freePorts(SERVICE_NAMES.length);
    const { env } = meshEnv(ports);
    // Something else holds the market's port.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(ports[1], '127.0.0.1', resolve));
    try {
      const up = runCli(['up', '--no-kafka'], env);
      started.push(up);
      const code = await withTimeout(up.exited, ALL_SERVING_TIMEOUT_MS, 'mesh up with a taken port');
      assert.equal(code, 1);
      const errors = up.stderr.filter((line) => line.startsWith('mesh: '));
      assert.equal(errors.length, 1, up.stderr.join('\n'));
      assert.match(errors[0]!, new RegExp(`^mesh: market exited with code 1 before it was ready: market: cannot start: port ${ports[1]} is already in use .*\\[COMPONENT_START_FAILED\\]$`));
      for (const line of up.stdout) {
        const match = line.match(/^mesh: (\w+) SERVING at \S+ \(pid (\d+)/);
        if (match) assert.equal(isAlive(Number(match[2])), false, `${match[1]} was left running`);
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test('Ctrl-C during start-up stops the services already launched and exits 0', async () => {
    const ports = await freePorts(SERVICE_NAMES.length);
    const up = runCli(['up', '--no-kafka'], meshEnv(ports).env);
    started.push(up);
    await up.waitForLine(/^mesh: no Kafka/, EXIT_TIMEOUT_MS);
    // The services are being spawned now; give them a moment to exist, not to be ready.
    await new Promise((resolve) => setTimeout(resolve, 500));
    up.child.kill('SIGINT');
    assert.equal(await withTimeout(up.exited, EXIT_TIMEOUT_MS, 'mesh up stopped during start-up'), 0, up.stderr.join('\n'));
    assert.ok(up.stdout.includes('mesh: stopped'), up.stdout.join('\n'));
    const leftovers = servicesOnPorts(ports);
    assert.deepEqual(leftovers, [], `left running:\n${leftovers.join('\n')}`);
  });
});

/** servicesOnPorts lists the processes still running src/services/main.ts on any of the ports. */
function servicesOnPorts(ports: readonly number[]): string[] {
  const processes = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return processes.filter((line) => line.includes('src/services/main.ts') && ports.some((port) => line.includes(`--port ${port}`)));
}
