import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { propagation, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { getContext, runWithContext } from '../../src/context/index.js';
import { fetchHeadersSetter, meshTracer, startTelemetry, type Telemetry } from '../../src/telemetry/index.js';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
before(() => {
  telemetry = startTelemetry({ serviceName: 'sampling', otlpEndpoint: '', sampleRatio: 0, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
});
after(() => telemetry.shutdown());

test('an unsampled root still has ids, which propagate with the not-sampled flag', () => {
  runWithContext({}, () => {
    const span = meshTracer().startSpan('unsampled');
    assert.equal(span.isRecording(), false);
    assert.equal(span.spanContext().traceId, getContext()!.traceId);
    const headers = new Headers();
    propagation.inject(trace.setSpan(context.active(), span), headers, fetchHeadersSetter);
    assert.equal(headers.get('traceparent'), `00-${span.spanContext().traceId}-${span.spanContext().spanId}-00`);
    span.end();
  });
  assert.equal(exporter.getFinishedSpans().length, 0);
});

test('a span under a sampled remote parent follows the parent, whatever the ratio', () => {
  runWithContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16) }, () => meshTracer().startSpan('follows').end());
  const [span] = exporter.getFinishedSpans();
  assert.equal(span?.name, 'follows');
  assert.equal(span.parentSpanContext?.spanId, '2'.repeat(16));
});

test('startTelemetry refuses a ratio outside [0, 1]', () => {
  assert.throws(() => startTelemetry({ serviceName: 'x', otlpEndpoint: '', sampleRatio: 2 }), RangeError);
});
