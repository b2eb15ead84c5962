// The server kit hands its tracing interceptor's span context to its context
// interceptor (one context run per call): the handler must still see the
// SERVER span as the active one, and the request context the caller sent,
// in the span's trace and under its id.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { AuthService, GetUserResponseSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { getContext, runWithContext, type RequestContext } from '../../src/context/index.js';
import { createContextInterceptor } from '../../src/rpc/interceptors/index.js';
import { createServer, defineService, type MeshServer } from '../../src/rpc/server/index.js';
import { createClientTracingInterceptor, startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let server: MeshServer;
const seen: Array<{ context: RequestContext; activeSpanId: string | undefined }> = [];

before(async () => {
  telemetry = startTelemetry({ serviceName: 'server-kit', otlpEndpoint: '', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  server = await createServer({
    host: '127.0.0.1',
    port: 0,
    services: [
      defineService(AuthService, {
        async getUser(req) {
          await new Promise((resolve) => setImmediate(resolve));
          seen.push({ context: getContext()!, activeSpanId: trace.getActiveSpan()?.spanContext().spanId });
          return create(GetUserResponseSchema, { user: { userId: req.userId } });
        },
      }),
    ],
  });
});

after(async () => {
  await server.close({ timeoutMs: 1_000 });
  await telemetry.shutdown();
});

test('the handler runs under the SERVER span with the caller request context', async () => {
  const client = createClient(
    AuthService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: '2', interceptors: [createContextInterceptor(), createClientTracingInterceptor()] }),
  );
  const traceId = await runWithContext({ correlationId: 'corr-kit', userId: 'user-7', tenantId: 'tenant-3' }, async () => {
    await client.getUser({ userId: 'u1' });
    return getContext()!.traceId;
  });

  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const call = spans.find((s) => s.kind === SpanKind.CLIENT);
  const served = spans.find((s) => s.kind === SpanKind.SERVER);
  assert.ok(call && served, 'a client and a server span in the caller trace');
  assert.equal(served.parentSpanContext?.spanId, call.spanContext().spanId);
  assert.equal(seen.length, 1);
  const [{ context, activeSpanId }] = seen as [(typeof seen)[number]];
  assert.equal(activeSpanId, served.spanContext().spanId, 'the SERVER span is active in the handler');
  assert.deepEqual(
    { traceId: context.traceId, spanId: context.spanId, correlationId: context.correlationId, userId: context.userId, tenantId: context.tenantId },
    { traceId, spanId: served.spanContext().spanId, correlationId: 'corr-kit', userId: 'user-7', tenantId: 'tenant-3' },
  );
  assert.equal(typeof context.deadline, 'undefined', 'no deadline was sent');
});
