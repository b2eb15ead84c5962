import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testKafka, uniqueName } from '../support/kafka.js';
import { jsonLines, startFixture, type FixtureProcess } from './fixture-process.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedMetric, type ReceivedSpan } from './otlp-receiver.js';

const SpanKind = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
const STATUS_ERROR = 2;

interface ClientResult {
  contextTraceId: string;
  correlationId: string;
  serverSaw: string;
  consumedBy: { traceId: string; spanId: string; correlationId: string };
  rejected: string;
}

describe('one trace across two processes, an RPC and a Kafka hop, collected over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let server: FixtureProcess | undefined;
  let client: FixtureProcess | undefined;
  let result: ClientResult;
  let baseUrl: string;
  const topic = uniqueName('telemetry-trace');
  const group = uniqueName('telemetry-group');

  before(async () => {
    receiver = await startOtlpReceiver();
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, FIXTURE_TOPIC: topic, FIXTURE_GROUP: group, LOG_LEVEL: 'info' };
    server = startFixture('rpc-server-process', [], env);
    baseUrl = (await server.waitForLine(/^LISTENING /)).slice('LISTENING '.length);
    client = startFixture('client-process', [baseUrl], env);
    result = JSON.parse((await client.waitForLine(/^RESULT /)).slice('RESULT '.length)) as ClientResult;
    assert.equal(await client.exited, 0);
    assert.equal(await server.stop('SIGTERM'), 0);
    await receiver.waitFor(() => receiver.spans.some((s) => s.kind === SpanKind.CONSUMER) && receiver.spans.filter((s) => s.kind === SpanKind.SERVER).length >= 2);
  });

  after(async () => {
    await client?.stop('SIGKILL');
    await server?.stop('SIGKILL');
    await receiver?.close();
  });

  const spansOf = (kind: number, predicate: (s: ReceivedSpan) => boolean = () => true) =>
    receiver.spans.filter((s) => s.kind === kind && predicate(s));
  const callSpan = () => spansOf(SpanKind.CLIENT, (s) => s.traceId === result.contextTraceId)[0]!;

  test('the export arrived as protobuf from both services', () => {
    assert.ok(receiver.requests.some((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf'));
    const services = new Set(receiver.spans.map((s) => s.serviceName));
    assert.deepEqual([...services].sort(), ['fixture-client', 'fixture-server']);
  });

  test('client, server, producer and consumer spans share the trace runWithContext started', () => {
    const trace = result.contextTraceId;
    assert.match(trace, /^[0-9a-f]{32}$/);
    const inTrace = receiver.spans.filter((s) => s.traceId === trace);
    const kinds = inTrace.map((s) => s.kind).sort();
    assert.deepEqual(kinds, [SpanKind.SERVER, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER].sort());
    assert.equal(callSpan().parentSpanId, '', 'the client span is the root of the trace');
  });

  test('parent/child links follow the call: client → server attempts → producer → consumer', () => {
    const call = callSpan();
    const servers = spansOf(SpanKind.SERVER, (s) => s.traceId === call.traceId);
    for (const s of servers) assert.equal(s.parentSpanId, call.spanId);
    const ok = servers.find((s) => s.status.code !== STATUS_ERROR)!;
    const producer = spansOf(SpanKind.PRODUCER, (s) => s.traceId === call.traceId)[0]!;
    const consumer = spansOf(SpanKind.CONSUMER, (s) => s.traceId === call.traceId)[0]!;
    assert.equal(producer.parentSpanId, ok.spanId);
    assert.equal(consumer.parentSpanId, producer.spanId);
  });

  test('RPC spans carry the semantic-convention attributes, and the retried attempt shows', () => {
    const call = callSpan();
    assert.equal(call.name, 'auth.v1.AuthService/GetUser');
    assert.equal(call.attributes['rpc.system'], 'connect_rpc');
    assert.equal(call.attributes['rpc.service'], 'auth.v1.AuthService');
    assert.equal(call.attributes['rpc.method'], 'GetUser');
    assert.equal(call.attributes['server.address'], '127.0.0.1');
    assert.equal(call.attributes['server.port'], Number(new URL(baseUrl).port));
    const retry = call.events.find((e) => e.name === 'mesh.retry.attempt');
    assert.ok(retry, 'the retry is an event of the call span');
    assert.equal(retry.attributes['mesh.retry.attempt'], 2);
    assert.equal(retry.attributes['rpc.response.status_code'], 'UNAVAILABLE');
    assert.deepEqual(
      call.events.filter((e) => e.name === 'rpc.message'),
      [],
      'a unary call has no message events by default (DEFAULT_UNARY_MESSAGE_EVENTS)',
    );
    const servers = spansOf(SpanKind.SERVER, (s) => s.traceId === call.traceId);
    const failed = servers.find((s) => s.status.code === STATUS_ERROR)!;
    assert.equal(failed.attributes['rpc.connect_rpc.error_code'], 'unavailable');
    assert.equal(failed.serviceName, 'fixture-server');
  });

  test('Kafka spans carry the messaging attributes', () => {
    const producer = spansOf(SpanKind.PRODUCER, (s) => s.traceId === result.contextTraceId)[0]!;
    const consumer = spansOf(SpanKind.CONSUMER, (s) => s.traceId === result.contextTraceId)[0]!;
    assert.equal(producer.name, `publish ${topic}`);
    assert.equal(consumer.name, `process ${topic}`);
    for (const span of [producer, consumer]) {
      assert.equal(span.attributes['messaging.system'], 'kafka');
      assert.equal(span.attributes['messaging.destination.name'], topic);
      assert.equal(span.attributes['messaging.kafka.destination.partition'], 0);
      assert.equal(span.attributes['messaging.kafka.message.key'], 'flaky-1');
      assert.equal(typeof span.attributes['messaging.kafka.message.offset'], 'number');
    }
    assert.equal(consumer.attributes['messaging.kafka.message.offset'], producer.attributes['messaging.kafka.message.offset']);
    assert.equal(consumer.attributes['messaging.kafka.consumer.group'], group);
    assert.equal(producer.attributes['messaging.operation.name'], 'publish');
    assert.equal(consumer.attributes['messaging.operation.name'], 'process');
  });

  test('getContext agrees with the active span in the handler and in the consumer', () => {
    const call = callSpan();
    const ok = spansOf(SpanKind.SERVER, (s) => s.traceId === call.traceId && s.status.code !== STATUS_ERROR)[0]!;
    assert.equal(result.serverSaw, `${ok.traceId}/${ok.spanId}`);
    const consumer = spansOf(SpanKind.CONSUMER, (s) => s.traceId === call.traceId)[0]!;
    assert.equal(result.consumedBy.traceId, consumer.traceId);
    assert.equal(result.consumedBy.spanId, consumer.spanId);
  });

  test('a call rejected by an open breaker says why on its span', () => {
    assert.match(result.rejected, /circuit breaker/);
    const rejected = spansOf(SpanKind.CLIENT, (s) => s.events.some((e) => e.name === 'mesh.breaker.rejection'));
    assert.equal(rejected.length, 1);
    const [span] = rejected as [ReceivedSpan];
    const event = span.events.find((e) => e.name === 'mesh.breaker.rejection')!;
    assert.equal(event.attributes['mesh.breaker.state'], 'OPEN');
    assert.equal(event.attributes['mesh.breaker.name'], `rpc@${baseUrl}`);
    assert.equal(span.status.code, STATUS_ERROR);
    assert.equal(span.attributes['rpc.connect_rpc.error_code'], 'unavailable');
    assert.notEqual(span.traceId, result.contextTraceId, 'a new runWithContext started a new trace');
  });

  test('logs carry the trace and span ids of the active span and hide secrets', () => {
    const call = callSpan();
    const serverLogs = jsonLines(server!.lines);
    const clientLogs = jsonLines(client!.lines);
    const handled = serverLogs.find((l) => l.msg === 'getUser')!;
    const ok = spansOf(SpanKind.SERVER, (s) => s.traceId === call.traceId && s.status.code !== STATUS_ERROR)[0]!;
    assert.equal(handled.trace_id, call.traceId);
    assert.equal(handled.span_id, ok.spanId);
    assert.deepEqual(handled.headers, { authorization: '[REDACTED]' });
    const calling = clientLogs.find((l) => l.msg === 'calling')!;
    assert.equal(calling.trace_id, result.contextTraceId);
    assert.equal(calling.correlation_id, 'corr-fixture');
    const consumed = clientLogs.find((l) => l.msg === 'consumed')!;
    assert.equal(consumed.trace_id, call.traceId);
    assert.equal(consumed.span_id, result.consumedBy.spanId);
  });

  test('the log lines also arrive as OTLP log records in the trace of their span', async () => {
    const call = callSpan();
    await receiver.waitFor(() => receiver.logs.some((l) => l.body === 'getUser') && receiver.logs.some((l) => l.body === 'consumed'));
    const ok = spansOf(SpanKind.SERVER, (s) => s.traceId === call.traceId && s.status.code !== STATUS_ERROR)[0]!;
    const handled = receiver.logs.find((l) => l.body === 'getUser')!;
    assert.equal(handled.serviceName, 'fixture-server');
    assert.equal(handled.traceId, call.traceId);
    assert.equal(handled.spanId, ok.spanId);
    assert.deepEqual(handled.attributes.headers, { authorization: '[REDACTED]' });
    // This server has no toolkit context interceptor to read x-correlation-id: the id is the trace's.
    assert.equal(String(handled.attributes.correlation_id).replaceAll('-', ''), call.traceId);
    const consumed = receiver.logs.find((l) => l.body === 'consumed')!;
    assert.equal(consumed.traceId, call.traceId);
    assert.equal(consumed.spanId, result.consumedBy.spanId);
    assert.ok(receiver.requests.some((r) => r.path === '/v1/logs' && r.contentType === 'application/x-protobuf'));
  });

  test('metrics arrive over OTLP with their instruments and labels', async () => {
    await receiver.waitFor(() => receiver.metrics.some((m) => m.serviceName === 'fixture-client') && receiver.metrics.some((m) => m.serviceName === 'fixture-server'));
    const metric = (service: string, name: string): ReceivedMetric => {
      const found = receiver.metrics.find((m) => m.serviceName === service && m.name === name);
      assert.ok(found, `${service} exported ${name}`);
      return found;
    };
    const hasPoint = (m: ReceivedMetric, labels: Record<string, unknown>) =>
      m.points.some((p) => Object.entries(labels).every(([k, v]) => p.attributes[k] === v));

    const clientDuration = metric('fixture-client', 'rpc.client.duration');
    assert.equal(clientDuration.type, 'histogram');
    assert.equal(clientDuration.unit, 'ms');
    assert.ok(hasPoint(clientDuration, { 'rpc.system': 'connect_rpc', 'rpc.service': 'auth.v1.AuthService', 'rpc.method': 'GetUser', 'rpc.response.status_code': 'OK' }));
    assert.ok(hasPoint(clientDuration, { 'rpc.method': 'GetUser', 'rpc.response.status_code': 'UNAVAILABLE' }));
    const serverDuration = metric('fixture-server', 'rpc.server.duration');
    assert.ok(hasPoint(serverDuration, { 'rpc.method': 'GetUser', 'rpc.response.status_code': 'OK' }));
    assert.ok(hasPoint(serverDuration, { 'rpc.method': 'GetUser', 'rpc.response.status_code': 'UNAVAILABLE' }));

    assert.ok(hasPoint(metric('fixture-client', 'mesh.rpc.retries'), { 'rpc.method': 'GetUser', 'rpc.response.status_code': 'UNAVAILABLE' }));
    assert.ok(hasPoint(metric('fixture-client', 'mesh.rpc.breaker.rejections'), { 'mesh.breaker.state': 'OPEN' }));
    assert.ok(hasPoint(metric('fixture-client', 'mesh.rpc.retry_budget.exhausted'), { 'mesh.retry.target': 'auth.v1.AuthService' }));
    const breakerState = metric('fixture-client', 'mesh.breaker.state');
    assert.equal(breakerState.type, 'gauge');
    assert.deepEqual(breakerState.points.find((p) => p.attributes['mesh.breaker.endpoint'] === baseUrl)?.value, 2);
    const lag = metric('fixture-client', 'messaging.kafka.consumer.lag');
    const lagPoint = lag.points.find((p) => p.attributes['messaging.kafka.consumer.group'] === group);
    assert.ok(lagPoint, 'lag of the fixture group');
    assert.equal(lagPoint.attributes['messaging.destination.name'], topic);
    assert.equal(lagPoint.attributes['messaging.kafka.destination.partition'], 0);
    assert.ok(typeof lagPoint.value === 'number' && lagPoint.value >= 0 && lagPoint.value <= 1);

    const jobs = metric('fixture-client', 'mesh.job.outcomes');
    assert.ok(hasPoint(jobs, { 'mesh.job.queue': 'email-queue', 'mesh.job.name': 'welcome', 'mesh.job.outcome': 'completed' }));
    assert.ok(hasPoint(jobs, { 'mesh.job.queue': 'email-queue', 'mesh.job.outcome': 'failed' }));
    assert.ok(hasPoint(metric('fixture-client', 'mesh.job.duration'), { 'mesh.job.outcome': 'completed' }));
    assert.ok(hasPoint(metric('fixture-client', 'mesh.saga.outcomes'), { 'mesh.saga.name': 'contract', 'mesh.saga.outcome': 'completed' }));
    assert.ok(hasPoint(metric('fixture-client', 'mesh.saga.duration'), { 'mesh.saga.name': 'contract' }));
  });
});
