// One contract saga, started by one incoming request, is one trace across
// eight processes, collected over OTLP/HTTP by the receiver this test runs:
// the five services the saga needs (src/services/main.ts, events on Kafka),
// a coordinator whose Connect entry (MarketService.CreateContract) runs
// createContractSaga, and a downstream process that consumes the services'
// domain events and runs the notifyParties jobs. The test itself calls the
// entry without any trace context, so the coordinator's SERVER span is the root.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { MarketService } from '../../gen/market/v1/market_service_pb.js';
import { money } from '../../src/services/shared/index.js';
import { uniqueName } from '../support/kafka.js';
import { startFixture, startScript, type FixtureProcess } from './fixture-process.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
const SERVICES = ['market', 'billing', 'skillpod', 'cockpit', 'notification'] as const;
const STEPS = ['checkJobAndBid', 'createContract', 'createEscrow', 'provisionPod', 'createProject', 'notifyParties'];
/** withSpanDump prints what arrived (trace, span<parent, service, kind, name) before rethrowing: a missing link is then visible. */
const withSpanDump = (receiver: OtlpReceiver) => (error: unknown) => {
  console.error(receiver.spans.map((s) => `${s.traceId.slice(0, 6)} ${s.spanId.slice(0, 6)}<${s.parentSpanId.slice(0, 6)} ${s.serviceName} ${s.kind} ${s.name}`).join('\n'));
  throw error;
};
const MAIN = fileURLToPath(new URL('../../src/services/main.ts', import.meta.url));

describe('one contract saga is one trace across the RPC calls, the Kafka hops and the saga steps of eight processes', () => {
  let receiver: OtlpReceiver;
  const processes: FixtureProcess[] = [];
  let rootTraceId = '';
  let trace: ReceivedSpan[] = [];
  let contractId = '';

  before(async () => {
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'warn' };
    const urls = {} as Record<(typeof SERVICES)[number], string>;
    await Promise.all(
      SERVICES.map(async (name) => {
        const service = startScript(MAIN, [name, '--port', '0'], otel, name);
        processes.push(service);
        urls[name] = (JSON.parse(await service.waitForLine(/^\{"service"/, 60_000)) as { url: string }).url;
      }),
    );
    const env = {
      ...otel,
      ...Object.fromEntries(SERVICES.map((name) => [`${name.toUpperCase()}_SERVICE_URL`, urls[name]])),
      FIXTURE_JOBS_PREFIX: `${uniqueName('ttj')}.`,
      FIXTURE_GROUP: uniqueName('telemetry-events'),
      FIXTURE_SAGA_STATE: uniqueName('tsaga-state'),
      FIXTURE_SAGA_HISTORY: uniqueName('tsaga-history'),
      FIXTURE_SAGA_GROUP: uniqueName('tsaga-coord'),
    };
    const consumer = startFixture('mesh-consumer-process', [], env);
    const coordinator = startFixture('saga-coordinator-process', [], env);
    processes.push(consumer, coordinator);
    const [entryLine] = await Promise.all([coordinator.waitForLine(/^LISTENING /, 60_000), consumer.waitForLine(/^READY$/, 60_000)]);

    // Seeding goes straight to the market (traces of its own); the saga's request carries no trace context.
    const market = createClient(MarketService, createConnectTransport({ baseUrl: urls.market, httpVersion: '2' }));
    const tag = uniqueName('trace');
    const budget = { type: BudgetType.FIXED, min: money('EUR', 500n), max: money('EUR', 1500n) };
    const job = (await market.createJob({ clientId: `usr_client_${tag}`, title: `Build ${tag}`, description: 'traced saga', budget })).job!;
    const bid = (await market.submitBid({ jobId: job.jobId, freelancerId: `usr_freelancer_${tag}`, amount: money('EUR', 1200n) })).bid!;
    await market.acceptBid({ bidId: bid.bidId });

    const entry = createClient(MarketService, createConnectTransport({ baseUrl: entryLine.slice('LISTENING '.length), httpVersion: '2' }));
    contractId = (await entry.createContract({ jobId: job.jobId, bidId: bid.bidId }, { timeoutMs: 30_000 })).contract!.contractId;

    // SIGTERM makes every process flush its spans before it exits.
    const exits = await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    assert.deepEqual(exits, processes.map(() => 0), 'every process stopped cleanly');
    const root = () => receiver.spans.find((s) => s.serviceName === 'saga-coordinator' && s.kind === SpanKind.SERVER && s.parentSpanId === '');
    await receiver.waitFor(() => root() !== undefined).catch(withSpanDump(receiver));
    rootTraceId = root()!.traceId;
    // Two event consumers at least and the two notification jobs, from the downstream process.
    await receiver.waitFor(() => receiver.spans.filter((s) => s.traceId === rootTraceId && s.serviceName === 'mesh-consumer').length >= 4).catch(withSpanDump(receiver));
    trace = receiver.spans.filter((s) => s.traceId === rootTraceId);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await receiver?.close();
  });

  const one = (predicate: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
    const found = trace.filter(predicate);
    assert.equal(found.length, 1, `one ${what}, found ${found.map((s) => `${s.serviceName}:${s.name}`).join(', ')}`);
    return found[0]!;
  };
  const childrenOf = (parent: ReceivedSpan) => trace.filter((s) => s.parentSpanId === parent.spanId);

  test('one trace id, one root, and every other span has its parent in the trace', () => {
    assert.match(rootTraceId, /^[0-9a-f]{32}$/);
    assert.ok(contractId);
    const ids = new Set(trace.map((s) => s.spanId));
    assert.equal(ids.size, trace.length, 'span ids are unique');
    const roots = trace.filter((s) => s.parentSpanId === '');
    assert.equal(roots.length, 1, 'one root');
    assert.equal(roots[0]!.name, 'market.v1.MarketService/CreateContract');
    const orphans = trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
    assert.deepEqual(orphans.map((s) => `${s.serviceName}:${s.name}`), [], 'no span points at a parent outside the trace');
  });

  test('the trace was exported by every process that took part', () => {
    const services = new Set(trace.map((s) => s.serviceName));
    assert.deepEqual([...services].sort(), ['billing', 'cockpit', 'market', 'mesh-consumer', 'notification', 'saga-coordinator', 'skillpod']);
  });

  test('request → saga → steps: the saga span is the entry call\'s child, each step action the saga\'s', () => {
    const root = one((s) => s.parentSpanId === '', 'root');
    const saga = one((s) => s.name === 'saga create-contract', 'saga span');
    assert.equal(saga.parentSpanId, root.spanId);
    assert.equal(saga.attributes['mesh.saga.name'], 'create-contract');
    for (const step of STEPS) {
      const span = one((s) => s.name === `saga create-contract ${step} execute`, `${step} span`);
      assert.equal(span.parentSpanId, saga.spanId, `${step} is a child of the saga`);
      assert.equal(span.attributes['mesh.saga.step'], step);
      assert.equal(span.attributes['mesh.saga.id'], saga.attributes['mesh.saga.id']);
    }
  });

  test('RPC hops: each step calls as a CLIENT span whose SERVER span runs in the called service', () => {
    const expected: Record<string, [string, string][]> = {
      checkJobAndBid: [['market', 'GetJob'], ['market', 'GetBid']],
      createContract: [['market', 'CreateContract']],
      createEscrow: [['billing', 'CreateEscrow']],
      provisionPod: [['skillpod', 'ProvisionPod']],
      createProject: [['cockpit', 'CreateProject']],
    };
    for (const [step, calls] of Object.entries(expected)) {
      const stepSpan = one((s) => s.name === `saga create-contract ${step} execute`, step);
      const clients = childrenOf(stepSpan).filter((s) => s.kind === SpanKind.CLIENT);
      assert.deepEqual(clients.map((s) => s.attributes['rpc.method']).sort(), calls.map(([, method]) => method).sort(), `${step} calls`);
      for (const client of clients) {
        assert.equal(client.serviceName, 'saga-coordinator');
        const servers = childrenOf(client).filter((s) => s.kind === SpanKind.SERVER);
        assert.equal(servers.length, 1, `${client.name} reached one server`);
        const service = calls.find(([, method]) => method === client.attributes['rpc.method'])![0];
        assert.equal(servers[0]!.serviceName, service);
        assert.equal(servers[0]!.name, client.name);
      }
    }
  });

  test('Kafka hops: a service\'s domain event is published under its SERVER span and consumed under the PRODUCER span', () => {
    const createContract = one((s) => s.kind === SpanKind.SERVER && s.serviceName === 'market' && s.attributes['rpc.method'] === 'CreateContract', 'market CreateContract');
    const publish = one((s) => s.kind === SpanKind.PRODUCER && s.parentSpanId === createContract.spanId, 'contract event publish');
    assert.equal(publish.name, 'publish events.contracts');
    assert.equal(publish.serviceName, 'market');
    const consumed = one((s) => s.kind === SpanKind.CONSUMER && s.parentSpanId === publish.spanId, 'contract event consumer');
    assert.equal(consumed.serviceName, 'mesh-consumer');
    assert.equal(consumed.attributes['messaging.destination.name'], 'events.contracts');
    assert.equal(consumed.attributes['messaging.kafka.message.offset'], publish.attributes['messaging.kafka.message.offset']);
    // Every event published in the trace reached the consumer as the producer's child.
    const publishes = trace.filter((s) => s.kind === SpanKind.PRODUCER && s.name.startsWith('publish events.'));
    assert.ok(publishes.length >= 3, `events of several services, got ${publishes.map((s) => s.serviceName).join(', ')}`);
    for (const p of publishes) {
      assert.ok(trace.some((s) => s.kind === SpanKind.CONSUMER && s.parentSpanId === p.spanId), `${p.serviceName} ${p.name} was consumed in the trace`);
    }
  });

  test('job hops: notifyParties adds jobs under its step span; the worker\'s job spans call NotifyUser in the trace', () => {
    const step = one((s) => s.name === 'saga create-contract notifyParties execute', 'notifyParties');
    const adds = childrenOf(step).filter((s) => s.kind === SpanKind.PRODUCER);
    assert.equal(adds.length, 2, 'one job per party');
    for (const add of adds) {
      assert.match(add.name, /^publish .*push-queue/);
      const job = one((s) => s.kind === SpanKind.CONSUMER && s.parentSpanId === add.spanId, 'job span');
      assert.equal(job.serviceName, 'mesh-consumer');
      assert.equal(job.name, 'job push-queue notify-contract-party');
      assert.equal(job.attributes['mesh.job.outcome'], 'completed');
      const call = one((s) => s.kind === SpanKind.CLIENT && s.parentSpanId === job.spanId, 'NotifyUser call');
      assert.equal(call.attributes['rpc.method'], 'NotifyUser');
      const served = one((s) => s.kind === SpanKind.SERVER && s.parentSpanId === call.spanId, 'NotifyUser server');
      assert.equal(served.serviceName, 'notification');
    }
  });
});
