import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, equals } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { PaymentCompletedSchema } from '../../gen/billing/v1/billing_events_pb.js';
import {
  channelPattern,
  decodeEvent,
  defaultEventRegistry,
  encodeEvent,
  EventBusError,
  EventContentTypes,
  readHeaders,
  type EventAttributes,
  type EventContentType,
} from '../../src/events/index.js';

const attributes = (contentType: EventContentType): EventAttributes => ({
  id: 'e-1',
  source: '/mesh/billing',
  time: new Date('2026-05-06T07:08:09.010Z'),
  subject: 'pay-1',
  contentType,
  correlationId: 'c-1',
  causationId: 'cause-1',
  aggregateType: 'payment',
  traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
  tracestate: 'vendor=x',
});

const expectCode = (code: string) => (error: unknown) => error instanceof EventBusError && error.code === code;

describe('event envelope', () => {
  for (const contentType of Object.values(EventContentTypes)) {
    test(`encodes and decodes every attribute and a nested payload as ${contentType}`, () => {
      const payload = create(PaymentCompletedSchema, { paymentIntentId: 'pay-1', amount: { currencyCode: 'EUR', units: 12n, nanos: 500_000_000 } });
      const encoded = encodeEvent(PaymentCompletedSchema, payload, attributes(contentType), defaultEventRegistry);
      assert.equal(encoded.key, 'pay-1');
      assert.deepEqual(encoded.headers, {
        ce_specversion: '1.0',
        ce_id: 'e-1',
        ce_type: 'billing.v1.PaymentCompleted',
        ce_source: '/mesh/billing',
        ce_time: '2026-05-06T07:08:09.010Z',
        ce_subject: 'pay-1',
        'content-type': contentType,
        ce_correlationid: 'c-1',
        ce_causationid: 'cause-1',
        ce_aggregatetype: 'payment',
        traceparent: attributes(contentType).traceparent,
        tracestate: 'vendor=x',
      });
      // As kafkajs hands them over: Buffers.
      const asRead = readHeaders(Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v ?? "")])));
      const decoded = decodeEvent(encoded.value, asRead, defaultEventRegistry);
      assert.ok(equals(PaymentCompletedSchema, decoded.payload as typeof payload, payload));
      assert.equal(decoded.schema.typeName, 'billing.v1.PaymentCompleted');
      assert.deepEqual(
        { ...decoded, payload: undefined, schema: undefined },
        { ...attributes(contentType), type: 'billing.v1.PaymentCompleted', payload: undefined, schema: undefined },
      );
    });
  }

  test('is tolerant of how other producers write headers', () => {
    const value = Buffer.from(JSON.stringify({ userId: 'u' }));
    const headers = readHeaders({
      CE_SPECVERSION: Buffer.from('1.0'),
      'ce-id': ' id-1 ',
      ce_type: [Buffer.from('auth.v1.Old'), Buffer.from('auth.v1.UserCreated')],
      ce_source: 'x',
      'Content-Type': 'Application/JSON; charset=utf-8',
    });
    const decoded = decodeEvent(value, headers, defaultEventRegistry);
    assert.equal(decoded.id, 'id-1');
    assert.equal(decoded.type, 'auth.v1.UserCreated', 'the last of repeated headers wins');
    assert.equal(decoded.time, undefined);
    assert.equal((decoded.payload as ReturnType<typeof create<typeof UserCreatedSchema>>).userId, 'u');
  });

  test('fails with a typed error for each kind of bad record', () => {
    const good = { ce_specversion: '1.0', ce_id: 'x', ce_type: 'auth.v1.UserCreated', ce_source: 's', 'content-type': 'application/protobuf' };
    const value = Buffer.alloc(0);
    const { ce_id: _id, ...noId } = good;
    assert.throws(() => decodeEvent(value, noId, defaultEventRegistry), expectCode('MISSING_HEADER'));
    const { 'content-type': _ct, ...noContentType } = good;
    assert.throws(() => decodeEvent(value, noContentType, defaultEventRegistry), expectCode('MISSING_HEADER'));
    assert.throws(() => decodeEvent(value, { ...good, ce_specversion: '0.3' }, defaultEventRegistry), expectCode('UNSUPPORTED_SPEC_VERSION'));
    assert.throws(() => decodeEvent(value, { ...good, ce_type: 'auth.v1.User' }, defaultEventRegistry), expectCode('UNKNOWN_TYPE'), 'a resource is not an event');
    assert.throws(() => decodeEvent(value, { ...good, 'content-type': 'application/cloudevents+json' }, defaultEventRegistry), expectCode('UNSUPPORTED_CONTENT_TYPE'));
    assert.throws(() => decodeEvent(Buffer.from([0xff, 0xff, 0xff]), good, defaultEventRegistry), expectCode('DECODE_FAILED'));
    assert.throws(() => decodeEvent(Buffer.from('{'), { ...good, 'content-type': 'application/json' }, defaultEventRegistry), expectCode('DECODE_FAILED'));
    assert.throws(() => decodeEvent(value, { ...good, ce_time: 'yesterday' }, defaultEventRegistry), expectCode('DECODE_FAILED'));
    assert.equal(decodeEvent(null, good, defaultEventRegistry).type, 'auth.v1.UserCreated', 'an empty protobuf message is valid');
  });

  test('channel patterns: globs anchor and escape, RegExps are kept', () => {
    const glob = channelPattern('events.jobs*');
    assert.ok(glob.test('events.jobs') && glob.test('events.jobs.v2'));
    assert.ok(!glob.test('events.users') && !glob.test('xevents.jobs') && !glob.test('eventsXjobs'));
    assert.ok(channelPattern(/users$/g).test('events.users') && channelPattern(/users$/g).test('events.users'), 'a global flag does not make test() stateful');
  });
});
