import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createTraceState,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { CompositePropagator, suppressTracing, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { fetchHeadersSetter, startTelemetry } from '../../src/telemetry/index.js';
import { startRpcSpan } from '../../src/telemetry/rpc-span-start.js';
import { injectRpcTraceContext, W3CPropagator } from '../../src/telemetry/w3c-propagator.js';

// One process per test file: the API's globals are set once here, in the order the tests need.
const attributes = Object.freeze({ 'rpc.system': 'connect_rpc', 'rpc.service': 'a.v1.S', 'rpc.method': 'M' });
const traceState = createTraceState('vendor=value');
const parentOf = (traceFlags: TraceFlags): Context =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags, isRemote: true, traceState });

test('startRpcSpan leaves the decision to a tracer provider that startTelemetry did not build', () => {
  const exporter = new InMemorySpanExporter();
  // AlwaysOn samples even under an unsampled parent: a shortcut that assumed otherwise would drop this span.
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  try {
    const span = startRpcSpan('a.v1.S/M', SpanKind.SERVER, attributes, parentOf(TraceFlags.NONE));
    assert.equal(span.isRecording(), true);
    span.end();
    assert.deepEqual(exporter.getFinishedSpans()[0]?.attributes, attributes);
  } finally {
    trace.disable();
  }
});

test('with startTelemetry, startRpcSpan makes the span the SDK would make, recording only under a sampled parent', async () => {
  const exporter = new InMemorySpanExporter();
  // A caller's processor sees the attributes as the span starts, as with startSpan.
  const seenAtStart: Attributes[] = [];
  const onStartReader: SpanProcessor = {
    onStart: (span) => void seenAtStart.push({ ...(span as unknown as ReadableSpan).attributes }),
    onEnd: () => {},
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const telemetry = startTelemetry({
    serviceName: 'rpc-span-start',
    otlpEndpoint: '',
    sampleRatio: 1,
    spanProcessors: [new SimpleSpanProcessor({ exporter }), onStartReader],
  });
  try {
    const unsampled = startRpcSpan('a.v1.S/M', SpanKind.SERVER, attributes, parentOf(TraceFlags.NONE));
    const bySdk = trace.getTracer('compare').startSpan('a.v1.S/M', { kind: SpanKind.SERVER, attributes }, parentOf(TraceFlags.NONE));
    for (const span of [unsampled, bySdk]) {
      assert.equal(span.isRecording(), false);
      const ids: SpanContext = span.spanContext();
      assert.equal(ids.traceId, '1'.repeat(32));
      assert.match(ids.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(ids.spanId, '2'.repeat(16));
      assert.equal(ids.traceFlags, TraceFlags.NONE);
      assert.equal(ids.traceState?.serialize(), 'vendor=value');
    }
    unsampled.end();
    bySdk.end();
    assert.equal(exporter.getFinishedSpans().length, 0);

    const sampled = startRpcSpan('a.v1.S/M', SpanKind.SERVER, attributes, parentOf(TraceFlags.SAMPLED));
    assert.equal(sampled.isRecording(), true);
    sampled.end();
    const [finished] = exporter.getFinishedSpans();
    assert.deepEqual(finished?.attributes, attributes);
    assert.equal(finished.kind, SpanKind.SERVER);
    assert.equal(finished.parentSpanContext?.spanId, '2'.repeat(16));
    assert.deepEqual(seenAtStart.at(-1), attributes);

    // Suppressed tracing gets the SDK's invalid span, not a child of the parent.
    const suppressed = startRpcSpan('a.v1.S/M', SpanKind.SERVER, attributes, suppressTracing(parentOf(TraceFlags.NONE)));
    assert.equal(trace.isSpanContextValid(suppressed.spanContext()), false);
  } finally {
    await telemetry.shutdown();
  }
});

test('injectRpcTraceContext writes what the W3C propagators write, baggage included, and W3CPropagator reads it back', () => {
  // startTelemetry above registered W3CPropagator; a composite of the SDK's two propagators is the reference.
  const reference = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  const tracer = trace.getTracer('inject');
  const withBaggage = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 't 1' } }));
  for (const [name, base] of [
    ['sampled root', ROOT_CONTEXT],
    ['unsampled child with trace state', parentOf(TraceFlags.NONE)],
    ['with baggage', withBaggage],
  ] as const) {
    const span = tracer.startSpan(name, {}, base);
    const context = trace.setSpan(base, span);
    const direct = new Headers();
    injectRpcTraceContext(context, span.spanContext(), direct);
    const expected = new Headers();
    reference.inject(context, expected, fetchHeadersSetter);
    assert.deepEqual([...direct], [...expected], name);
    assert.ok(direct.get('traceparent'), name);
    const read = new W3CPropagator().extract(ROOT_CONTEXT, direct, {
      keys: (carrier) => [...carrier.keys()],
      get: (carrier, key) => carrier.get(key) ?? undefined,
    });
    assert.equal(trace.getSpanContext(read)?.spanId, span.spanContext().spanId, name);
    assert.deepEqual(propagation.getBaggage(read)?.getAllEntries(), propagation.getBaggage(context)?.getAllEntries(), name);
    span.end();
  }
  // The same array every time: its identity tells that W3CPropagator is the registered propagator.
  assert.equal(propagation.fields(), new W3CPropagator().fields());
  assert.deepEqual([...propagation.fields()].sort(), [...reference.fields()].sort());
});

test('injectRpcTraceContext goes through another registered propagator as it is', () => {
  propagation.disable();
  propagation.setGlobalPropagator({
    inject: (_context, carrier, setter) => setter.set(carrier, 'x-other', 'yes'),
    extract: (context) => context,
    fields: () => ['x-other'],
  });
  try {
    const span = trace.getTracer('other').startSpan('other');
    const headers = new Headers();
    injectRpcTraceContext(trace.setSpan(ROOT_CONTEXT, span), span.spanContext(), headers);
    assert.deepEqual([...headers], [['x-other', 'yes']]);
  } finally {
    propagation.disable();
  }
});

test('W3CPropagator reads every traceparent and tracestate as the SDK propagators do', () => {
  const reference = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  const getter = {
    keys: (carrier: Record<string, string | string[]>) => Object.keys(carrier),
    get: (carrier: Record<string, string | string[]>, key: string) => carrier[key],
  };
  const trace32 = '4bf92f3577b34da6a3ce929d0e0e4736';
  const span16 = '00f067aa0ba902b7';
  const carriers: Array<Record<string, string | string[]>> = [
    { traceparent: `00-${trace32}-${span16}-01` },
    { traceparent: `00-${trace32}-${span16}-00`, tracestate: 'a=1,b=2' },
    { traceparent: `00-${trace32}-${span16}-01`, tracestate: ['a=1', 'b=2'] },
    { traceparent: [`00-${trace32}-${span16}-01`, `00-${'1'.repeat(32)}-${span16}-01`] },
    { traceparent: ` 00-${trace32}-${span16}-01 ` },
    { traceparent: `00-${trace32.toUpperCase()}-${span16}-01` },
    { traceparent: `00-${'0'.repeat(32)}-${span16}-01` },
    { traceparent: `00-${trace32}-${'0'.repeat(16)}-01` },
    { traceparent: `00-${trace32}-${span16}-01-extra` },
    { traceparent: `01-${trace32}-${span16}-03-extra` },
    { traceparent: `ff-${trace32}-${span16}-01` },
    { traceparent: 'not a traceparent' },
    { traceparent: '' },
    { traceparent: `00-${trace32}-${span16}-01`, baggage: 'tenant=t1' },
    {},
  ];
  for (const carrier of carriers) {
    const ours = new W3CPropagator().extract(ROOT_CONTEXT, carrier, getter);
    const sdk = reference.extract(ROOT_CONTEXT, carrier, getter);
    const describe = (context: Context) => {
      const span = trace.getSpanContext(context);
      return { span: span && { ...span, traceState: span.traceState?.serialize() }, baggage: propagation.getBaggage(context)?.getAllEntries() };
    };
    assert.deepEqual(describe(ours), describe(sdk), JSON.stringify(carrier));
  }
});

test('with startTelemetry and only its own span processor, a recording RPC span still gets its attributes', async () => {
  trace.disable();
  const telemetry = startTelemetry({ serviceName: 'rpc-span-start-own', otlpEndpoint: '', sampleRatio: 1 });
  try {
    const span = startRpcSpan('a.v1.S/M', SpanKind.CLIENT, attributes, ROOT_CONTEXT);
    assert.equal(span.isRecording(), true);
    assert.deepEqual((span as unknown as ReadableSpan).attributes, attributes);
    span.end();
  } finally {
    await telemetry.shutdown();
  }
});
