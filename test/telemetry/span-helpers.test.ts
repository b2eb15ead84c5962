import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport } from '@connectrpc/connect-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from '../../gen/grpc/health/v1/health_pb.js';
import { getContext, runWithContext } from '../../src/context/index.js';
import {
  createClientTracingInterceptor,
  createServerTracingInterceptor,
  injectKafkaHeaders,
  recordDeadlineExhausted,
  startConsumerSpan,
  startProducerSpan,
  startTelemetry,
  withJobSpan,
  withSagaSpan,
  withSagaStepSpan,
  type Telemetry,
} from '../../src/telemetry/index.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
before(() => {
  telemetry = startTelemetry({ serviceName: 'span-helpers', otlpEndpoint: '', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
});
after(() => telemetry.shutdown());

const finished = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  assert.ok(span, `span ${name} finished`);
  return span;
};

describe('saga and job spans', () => {
  test('saga steps are children of their saga span, which continues the request trace', async () => {
    await runWithContext({}, async () => {
      const { traceId } = getContext()!;
      await withSagaSpan({ saga: 'contract', id: 's-1' }, async () => {
        await withSagaStepSpan({ saga: 'contract', id: 's-1', step: 'reserve-escrow', phase: 'execute', attempt: 1 }, async () => {});
        await withSagaStepSpan({ saga: 'contract', id: 's-1', step: 'reserve-escrow', phase: 'compensate' }, async () => {}).catch(() => {});
      });
      assert.equal(finished('saga contract').spanContext().traceId, traceId);
    });
    const saga = finished('saga contract');
    const step = finished('saga contract reserve-escrow execute');
    assert.equal(step.parentSpanContext?.spanId, saga.spanContext().spanId);
    assert.equal(step.attributes['mesh.saga.step'], 'reserve-escrow');
    assert.equal(step.attributes['mesh.saga.step.attempt'], 1);
    assert.equal(finished('saga contract reserve-escrow compensate').attributes['mesh.saga.phase'], 'compensate');
  });

  test('a saga resumed from its saved trace context continues the original trace', async () => {
    const started = startProducerSpan({ topic: 'saga.log' });
    const saved = injectKafkaHeaders({}, started.context);
    started.end();
    await withSagaSpan({ saga: 'resumed', id: 's-3', headers: saved }, async () => {});
    const resumed = finished('saga resumed');
    assert.equal(resumed.spanContext().traceId, started.span.spanContext().traceId);
    assert.equal(resumed.parentSpanContext?.spanId, started.span.spanContext().spanId);
  });

  test('a failed step marks its span failed and the error propagates', async () => {
    await assert.rejects(
      withSagaStepSpan({ saga: 'contract', id: 's-2', step: 'notify', phase: 'execute' }, () => Promise.reject(new Error('mail down'))),
      /mail down/,
    );
    const span = finished('saga contract notify execute');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events[0]?.name, 'exception');
  });

  test('a job span continues the trace of the code that added the job', async () => {
    const producer = startProducerSpan({ topic: 'jobs.email', key: 'job-9' });
    const headers = producer.inject({});
    producer.end({ partition: 0, offset: '41' });
    await withJobSpan({ queue: 'email-queue', name: 'welcome', id: 'job-9', attempt: 2, headers }, async () => {});
    const job = finished('job email-queue welcome');
    assert.equal(job.kind, SpanKind.CONSUMER);
    assert.equal(job.parentSpanContext?.spanId, producer.span.spanContext().spanId);
    assert.equal(job.attributes['mesh.job.attempt'], 2);
    assert.equal(job.attributes['mesh.job.outcome'], 'completed');
    assert.equal(finished('publish jobs.email').attributes['messaging.kafka.message.offset'], 41);
  });

  test('a consumer span can link to its producer instead of continuing its trace', () => {
    const producer = startProducerSpan({ topic: 'events.users' });
    const headers = injectKafkaHeaders({}, producer.context);
    producer.end();
    const { span } = startConsumerSpan({ topic: 'events.users', partition: 2, offset: '7', headers, parentage: 'link' });
    span.end();
    const consumer = finished('process events.users');
    assert.notEqual(consumer.spanContext().traceId, producer.span.spanContext().traceId);
    assert.equal(consumer.links[0]?.context.spanId, producer.span.spanContext().spanId);
  });

  test('recordDeadlineExhausted adds its event to the active span', async () => {
    await withSagaSpan({ saga: 'deadline', id: 'd-1' }, async () => recordDeadlineExhausted(3.7));
    const event = finished('saga deadline').events.find((e) => e.name === 'mesh.deadline.exhausted');
    assert.equal(event?.attributes?.['mesh.deadline.remaining_ms'], 3);
  });
});

describe('a server-streaming call', () => {
  let server: Http2Server;
  let baseUrl: string;
  const seen: string[] = [];
  const sessions = new Set<ServerHttp2Session>();

  before(async () => {
    server = createServer(
      connectNodeAdapter({
        interceptors: [createServerTracingInterceptor()],
        routes: (router) =>
          router.service(Health, {
            check: () => create(HealthCheckResponseSchema, {}),
            async *watch() {
              for (let i = 0; i < 3; i++) {
                seen.push(getContext()?.spanId ?? 'none');
                yield create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
              }
            },
          }),
      }),
    );
    server.on('session', (session) => sessions.add(session));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of sessions) session.destroy();
    await closed;
  });

  test('client and server spans end with the stream and count its messages', async () => {
    const client = createClient(Health, createConnectTransport({ baseUrl, httpVersion: '2', interceptors: [createClientTracingInterceptor()] }));
    let received = 0;
    for await (const _ of client.watch({ service: '' })) received++;
    assert.equal(received, 3);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'grpc.health.v1.Health/Watch');
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.ok(clientSpan && serverSpan);
    assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
    assert.equal(clientSpan.events.filter((e) => e.name === 'rpc.message').length, 3);
    assert.equal(serverSpan.events.filter((e) => e.name === 'rpc.message').length, 3);
    assert.equal(clientSpan.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(seen, Array(3).fill(serverSpan.spanContext().spanId), 'the streaming handler runs inside the server span');
  });
});
