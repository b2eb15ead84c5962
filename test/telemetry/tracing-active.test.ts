import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { isTracingActive, sendTraced, type KafkaHeaders } from '../../src/telemetry/index.js';

const send = async (records: readonly unknown[]) => records.map(() => ({ partition: 0, offset: '0' }));

test('isTracingActive is false until a tracer provider or a context manager is registered, and again after they are removed', () => {
  assert.equal(isTracingActive(), false, 'a fresh process has neither');
  assert.ok(context.setGlobalContextManager(new StackContextManager().enable()));
  assert.equal(isTracingActive(), true, 'a context manager alone makes spans visible to the code they wrap');
  context.disable();
  assert.equal(isTracingActive(), false);
  assert.ok(trace.setGlobalTracerProvider(new TracerProvider()));
  assert.equal(isTracingActive(), true, 'a tracer provider alone records spans');
  trace.disable();
  assert.equal(isTracingActive(), false);
});

test('sendTraced sends the records as they are while tracing is off, and with a producer span per record while it is on', async () => {
  const headers: KafkaHeaders = { ce_id: 'e-1' };
  let sent: { topic: string; headers: KafkaHeaders }[] = [];
  await sendTraced([{ topic: 't', headers }, { topic: 't' }], async (records) => {
    sent = records;
    return send(records);
  });
  assert.equal(sent[0]!.headers, headers, 'no copy of the headers');
  assert.deepEqual(sent[0]!.headers, { ce_id: 'e-1' }, 'and nothing added to them');
  assert.deepEqual(sent[1]!.headers, {}, 'a record without headers gets an empty map, as before');

  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  try {
    await sendTraced([{ topic: 't', headers }], async (records) => {
      sent = records;
      return send(records);
    });
    assert.notEqual(sent[0]!.headers, headers, 'a copy carries the trace context');
    assert.match(String((sent[0]!.headers as KafkaHeaders).traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.deepEqual(headers, { ce_id: 'e-1' }, "the caller's headers are left alone");
    assert.deepEqual(exporter.getFinishedSpans().map((span) => span.name), ['publish t']);
  } finally {
    trace.disable();
    propagation.disable();
  }
});
