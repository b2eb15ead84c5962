import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { activeContext, getContext, readContextHeaders, REQUEST_CONTEXT_KEY, runWithContext } from '../../src/context/index.js';
import { computeLag, createLogger, meshTracer, startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

function collectingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>));
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'test', destination }) };
}

// Order matters: the first suite runs before telemetry starts in this process.
describe('without telemetry, the request context behaves as before', () => {
  test('runWithContext starts a context and nested calls keep its ids', () => {
    assert.equal(getContext(), undefined);
    runWithContext({ userId: 'u1' }, () => {
      const outer = getContext()!;
      assert.match(outer.traceId, /^[0-9a-f]{32}$/);
      runWithContext({ tenantId: 't1' }, () => {
        const inner = getContext()!;
        assert.equal(inner.traceId, outer.traceId);
        assert.equal(inner.correlationId, outer.correlationId);
        assert.equal(inner.userId, 'u1');
        assert.equal(inner.tenantId, 't1');
      });
    });
  });

  test('spans of the API are no-ops and change nothing', () => {
    runWithContext({}, () => {
      const before = getContext();
      const span = meshTracer().startSpan('noop');
      context.with(trace.setSpan(context.active(), span), () => assert.deepEqual(getContext(), before));
      span.end();
    });
  });
});

describe('with telemetry started (silent), the request context and OTel are one', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;

  test('startTelemetry without an endpoint is silent but makes real spans', () => {
    telemetry = startTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    assert.equal(telemetry.exporting, false);
    const span = meshTracer().startSpan('plain');
    assert.ok(span.isRecording());
    assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
    span.end();
  });

  test('OpenTelemetry and the request context share the one context storage', () => {
    runWithContext({ correlationId: 'c-one' }, () => {
      assert.equal(context.active(), activeContext(), "OTel's active context is the toolkit's store");
      assert.equal((context.active().getValue(REQUEST_CONTEXT_KEY) as { correlationId: string }).correlationId, 'c-one');
      const span = meshTracer().startSpan('shared');
      context.with(trace.setSpan(context.active(), span), () => assert.equal(getContext()?.correlationId, 'c-one', 'a span context keeps the request context'));
      span.end();
    });
  });

  test('a span started in runWithContext is a root of the context trace, and getContext sees it', () => {
    runWithContext({ correlationId: 'c-1' }, () => {
      const { traceId } = getContext()!;
      const span = meshTracer().startSpan('root');
      context.with(trace.setSpan(context.active(), span), () => {
        const inside = getContext()!;
        assert.equal(inside.traceId, traceId);
        assert.equal(inside.spanId, span.spanContext().spanId);
        assert.equal(inside.correlationId, 'c-1');
      });
      span.end();
    });
    const root = spanNamed('root');
    assert.equal(root.parentSpanContext, undefined);
  });

  test('a request context with an invalid trace id gives its root span a random one, sampled', () => {
    for (const invalid of ['not-a-trace-id', '0'.repeat(32)]) {
      runWithContext({ traceId: invalid }, () => {
        const span = meshTracer().startSpan('invalid-id');
        assert.ok(span.isRecording(), `a root under ${invalid} is sampled like any other`);
        assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
        assert.notEqual(span.spanContext().traceId, '0'.repeat(32));
        span.end();
      });
    }
  });

  test('a context read from headers continues the caller trace under its span', () => {
    const traceId = 'a'.repeat(32);
    const headers = new Headers({ traceparent: `00-${traceId}-${'b'.repeat(16)}-01`, 'x-correlation-id': 'c-2' });
    runWithContext(readContextHeaders(headers), () => meshTracer().startSpan('continued').end());
    const continued = spanNamed('continued');
    assert.equal(continued.spanContext().traceId, traceId);
    assert.equal(continued.parentSpanContext?.spanId, 'b'.repeat(16));
  });

  test('a nested runWithContext keeps the active span; a new trace id starts a new root', () => {
    const outer = meshTracer().startSpan('outer');
    const other = 'c'.repeat(32);
    context.with(trace.setSpan(context.active(), outer), () => {
      assert.equal(getContext()!.correlationId.replaceAll('-', ''), outer.spanContext().traceId, 'a span alone yields a context');
      runWithContext({ userId: 'u2' }, () => {
        assert.equal(getContext()!.userId, 'u2');
        assert.equal(getContext()!.spanId, outer.spanContext().spanId);
        meshTracer().startSpan('nested').end();
      });
      runWithContext({ traceId: other }, () => {
        assert.equal(getContext()!.traceId, other);
        meshTracer().startSpan('elsewhere').end();
      });
    });
    outer.end();
    assert.equal(spanNamed('nested').parentSpanContext?.spanId, outer.spanContext().spanId);
    assert.equal(spanNamed('elsewhere').spanContext().traceId, other);
    assert.equal(spanNamed('elsewhere').parentSpanContext, undefined);
  });

  test('every log line carries the active trace, span and correlation ids', () => {
    const { lines, logger } = collectingLogger();
    logger.info('outside');
    runWithContext({ correlationId: 'c-3' }, () => {
      const span = meshTracer().startSpan('logged');
      context.with(trace.setSpan(context.active(), span), () => logger.info({ step: 1 }, 'inside'));
      span.end();
    });
    const [outside, inside] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(outside.trace_id, undefined);
    const span = spanNamed('logged').spanContext();
    assert.equal(inside.trace_id, span.traceId);
    assert.equal(inside.span_id, span.spanId);
    assert.equal(inside.correlation_id, 'c-3');
    assert.equal(inside.level, 'info');
    assert.equal(inside.name, 'test');
  });

  test('the logger redacts secrets wherever the usual names appear', () => {
    const { lines, logger } = collectingLogger();
    logger.info(
      { password: 'p', token: 't', req: { authorization: 'Bearer x', headers: { cookie: 'k' }, path: '/a' }, user: { authToken: 'a', name: 'n' } },
      'secrets',
    );
    const [line] = lines as [Record<string, unknown>];
    assert.equal(line.password, '[REDACTED]');
    assert.equal(line.token, '[REDACTED]');
    assert.deepEqual(line.req, { authorization: '[REDACTED]', headers: { cookie: '[REDACTED]' }, path: '/a' });
    assert.deepEqual(line.user, { authToken: '[REDACTED]', name: 'n' });
  });

  after(() => telemetry?.shutdown());
});

describe('computeLag', () => {
  test('is the high watermark minus the committed offset, or the low watermark when nothing is committed', () => {
    const lags = computeLag(
      'orders',
      [
        { partition: 0, high: '10', low: '0' },
        { partition: 1, high: '7', low: '2' },
      ],
      [
        { partition: 0, offset: '4' },
        { partition: 1, offset: '-1' },
      ],
    );
    assert.deepEqual(
      lags.map((l) => [l.partition, l.lag, l.committedOffset]),
      [
        [0, 6, 4],
        [1, 5, undefined],
      ],
    );
  });
});
