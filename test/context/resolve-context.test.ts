import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { REQUEST_CONTEXT_KEY, resolveContext, type RequestContext } from '../../src/context/index.js';

const spanIds = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
const underSpan = trace.setSpanContext(ROOT_CONTEXT, { ...spanIds, traceFlags: TraceFlags.SAMPLED, isRemote: true });
const requestContextOf = (otel: ReturnType<typeof resolveContext>) => otel.getValue(REQUEST_CONTEXT_KEY) as RequestContext;

test('under a span with no request context, a given correlation id replaces the one made from the span; the span ids stay', () => {
  const resolved = resolveContext({ ...spanIds, correlationId: 'corr-1', userId: 'u1', tenantId: undefined }, underSpan);
  assert.deepEqual(requestContextOf(resolved), { ...spanIds, correlationId: 'corr-1', userId: 'u1' });
  // Same trace: the span stays the active one.
  assert.equal(trace.getSpanContext(resolved)?.spanId, spanIds.spanId);
});

test('under a span with no request context, a context of another trace keeps none of the span ids', () => {
  const resolved = resolveContext({ traceId: 'c'.repeat(32), correlationId: 'corr-2' }, underSpan);
  assert.deepEqual(requestContextOf(resolved), { traceId: 'c'.repeat(32), correlationId: 'corr-2' });
  assert.equal(trace.getSpanContext(resolved), undefined);
});

test('under a span with no request context and no correlation id given, the span trace id in UUID form is the correlation id', () => {
  const resolved = resolveContext({ userId: 'u2' }, underSpan);
  assert.deepEqual(requestContextOf(resolved), { ...spanIds, correlationId: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', userId: 'u2' });
});

test('under a span and a request context of its trace, the stored fields not given are kept', () => {
  const stored: RequestContext = { ...spanIds, correlationId: 'corr-3', tenantId: 't3' };
  const resolved = resolveContext({ correlationId: 'corr-4' }, underSpan.setValue(REQUEST_CONTEXT_KEY, stored));
  assert.deepEqual(requestContextOf(resolved), { ...spanIds, correlationId: 'corr-4', tenantId: 't3' });
});
