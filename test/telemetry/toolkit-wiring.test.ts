// The tracing interceptors in the places src/telemetry/README.md gives them,
// among the toolkit's own RPC interceptors (client: context → tracing →
// deadline → retry → breaker; server: tracing → context → errors), over a
// real h2c server: one client span per call with its retries and breaker
// rejection as events, a server span per attempt, and a handler whose
// request context is the server span's.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport } from '@connectrpc/connect-node';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { AuthService, GetUserResponseSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { getContext, runWithContext } from '../../src/context/index.js';
import {
  createBreakerInterceptor,
  createBreakerRegistry,
  createContextInterceptor,
  createDeadlineInterceptor,
  createRetryInterceptor,
  IDEMPOTENCY_KEY_HEADER,
} from '../../src/rpc/interceptors/index.js';
import {
  createContextInterceptor as createServerContextInterceptor,
  createErrorInterceptor,
  incomingCallValues,
} from '../../src/rpc/server/index.js';
import { createClientTracingInterceptor, createServerTracingInterceptor, recordRetryEvent, startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let server: Http2Server;
const sessions = new Set<ServerHttp2Session>();
let baseUrl: string;
const handlerSaw: { traceId: string; spanId: string; correlationId: string }[] = [];
let failuresLeft = 0;

before(async () => {
  telemetry = startTelemetry({ serviceName: 'wiring', otlpEndpoint: '', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  server = createServer(
    connectNodeAdapter({
      interceptors: [createServerTracingInterceptor(), createServerContextInterceptor(), createErrorInterceptor()],
      contextValues: incomingCallValues,
      routes: (router) =>
        router.service(AuthService, {
          getUser(req) {
            if (failuresLeft-- > 0) throw new ConnectError('not yet', Code.Unavailable);
            const { traceId, spanId, correlationId } = getContext()!;
            handlerSaw.push({ traceId, spanId: spanId!, correlationId });
            return create(GetUserResponseSchema, { user: { userId: req.userId } });
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
  await telemetry.shutdown();
});

test('a retried call and a breaker rejection through the toolkit interceptors', async () => {
  const registry = createBreakerRegistry({ name: 'auth' });
  const client = createClient(
    AuthService,
    createConnectTransport({
      baseUrl,
      httpVersion: '2',
      interceptors: [
        createContextInterceptor(),
        createClientTracingInterceptor(),
        createDeadlineInterceptor(),
        createRetryInterceptor({ onRetry: recordRetryEvent, backoff: { initialDelay: 1, maxDelay: 2 } }),
        createBreakerInterceptor({ registry }),
      ],
    }),
  );

  failuresLeft = 1;
  const traceId = await runWithContext({ correlationId: 'corr-w' }, async () => {
    await client.getUser({ userId: 'u1' }, { headers: { [IDEMPOTENCY_KEY_HEADER]: 'k-1' } });
    return getContext()!.traceId;
  });
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
  const serverSpans = spans.filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(clientSpans.length, 1, 'one client span per call, attempts included');
  assert.equal(serverSpans.length, 2, 'a server span per attempt');
  const [call] = clientSpans as [(typeof clientSpans)[number]];
  for (const s of serverSpans) assert.equal(s.parentSpanContext?.spanId, call.spanContext().spanId);
  const retry = call.events.find((e) => e.name === 'mesh.retry.attempt');
  assert.equal(retry?.attributes?.['mesh.retry.attempt'], 2);
  assert.equal(retry?.attributes?.['rpc.response.status_code'], 'UNAVAILABLE');
  const ok = serverSpans.find((s) => s.attributes['rpc.response.status_code'] === 'OK')!;
  assert.deepEqual(handlerSaw.at(-1), { traceId, spanId: ok.spanContext().spanId, correlationId: 'corr-w' });

  registry.get(baseUrl).isolate();
  await assert.rejects(client.getUser({ userId: 'u2' }), (e: unknown) => ConnectError.from(e).code === Code.Unavailable);
  const rejected = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT && s.events.some((e) => e.name === 'mesh.breaker.rejection'));
  assert.ok(rejected, 'the rejected call span says a breaker refused it');
  assert.equal(rejected.events.find((e) => e.name === 'mesh.breaker.rejection')?.attributes?.['mesh.breaker.state'], 'OPEN');
});

test('a budget already spent shows as deadline exhaustion on the call span', async () => {
  const client = createClient(
    AuthService,
    createConnectTransport({ baseUrl, httpVersion: '2', interceptors: [createContextInterceptor(), createClientTracingInterceptor(), createDeadlineInterceptor()] }),
  );
  await assert.rejects(
    runWithContext({ deadline: Date.now() + 1 }, () => client.getUser({ userId: 'u3' })),
    (e: unknown) => ConnectError.from(e).code === Code.DeadlineExceeded,
  );
  const span = exporter.getFinishedSpans().find((s) => s.events.some((e) => e.name === 'mesh.deadline.exhausted'));
  assert.ok(span, 'the call span records the exhausted deadline');
  assert.equal(span.attributes['rpc.connect_rpc.error_code'], 'deadline_exceeded');
});
