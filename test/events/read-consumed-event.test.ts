// readConsumedEvent (the bus's lazy event) against decodeEvent (the eager
// codec): the same attributes and payload for every valid event, and the
// same typed failure for every broken one, up front or on first access.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import {
  CloudEventHeaders,
  decodeEvent,
  defaultEventRegistry,
  encodeEvent,
  EventBusError,
  EventContentTypes,
  readHeaders,
  type ConsumedEvent,
  type DecodedEnvelope,
} from '../../src/events/index.js';
import { checkProtobufWire } from '../../src/events/protobuf-wire-check.js';
import { payloadDecodeFailure, readConsumedEvent } from '../../src/events/read-consumed-event.js';
import type { ConsumedRecord } from '../../src/kafka/index.js';
import { messageArbitrary } from './message-arbitrary.js';

const NUM_RUNS = 300;

const eventSchemas: DescMessage[] = [...defaultEventRegistry].flatMap((type) => (type.kind === 'message' ? [type] : []));

function record(value: Buffer | null, headers: IHeaders): ConsumedRecord {
  return { topic: 'p.events.users', partition: 2, offset: '7', key: Buffer.from('k-1'), value, headers, timestamp: '0' };
}

function onTheWire(headers: Record<string, string>): IHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8')]));
}

function attributes(event: DecodedEnvelope): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time?.getTime(),
    subject: event.subject,
    contentType: event.contentType,
    correlationId: event.correlationId,
    causationId: event.causationId,
    aggregateType: event.aggregateType,
    traceparent: event.traceparent,
    tracestate: event.tracestate,
    schema: event.schema.typeName,
  };
}

type Outcome = { ok: true; event: DecodedEnvelope } | { ok: false; error: EventBusError };

function outcome(read: () => DecodedEnvelope): Outcome {
  try {
    return { ok: true, event: read() };
  } catch (error) {
    assert.ok(error instanceof EventBusError, `not an EventBusError: ${String(error)}`);
    return { ok: false, error };
  }
}

/**
 * assertAgrees checks readConsumedEvent against decodeEvent on one record.
 * The one allowed difference: a payload whose wire structure is broken in a
 * way fromBinary lets through (a group never closed, a wire type the field
 * does not have) is turned away up front, with DECODE_FAILED.
 */
function assertAgrees(value: Buffer | null, headers: IHeaders): void {
  const eager = outcome(() => decodeEvent(value, readHeaders(headers), defaultEventRegistry));
  const lazy = outcome(() => readConsumedEvent(record(value, headers), 'events.users', defaultEventRegistry));
  if (!lazy.ok) {
    if (eager.ok) {
      assert.equal(lazy.error.code, 'DECODE_FAILED');
      assert.ok(value && checkProtobufWire(value) !== undefined, 'only a broken wire structure is stricter than decodeEvent');
      return;
    }
    assert.equal(lazy.error.code, eager.error.code);
    if (lazy.error.code === 'DECODE_FAILED') assert.match(lazy.error.message, /^(the value is not a valid |ce_time )/);
    else assert.equal(lazy.error.message, eager.error.message);
    return;
  }
  const event = lazy.event as ConsumedEvent;
  if (!eager.ok) {
    // Only a payload fails later: on first access, as DECODE_FAILED with decodeEvent's message, and again on every access.
    assert.equal(eager.error.code, 'DECODE_FAILED');
    assert.throws(() => event.payload, (error: unknown) => error instanceof EventBusError && error.code === 'DECODE_FAILED' && error.message === eager.error.message);
    assert.throws(() => event.payload, (error: unknown) => error === payloadDecodeFailure(event));
    return;
  }
  assert.deepEqual(attributes(event), attributes(eager.event));
  assert.deepEqual(toBinary(event.schema, event.payload), toBinary(eager.event.schema, eager.event.payload));
  assert.equal(payloadDecodeFailure(event), undefined);
  assert.deepEqual(event.headers, readHeaders(headers));
  assert.equal(event.key, 'k-1');
  assert.deepEqual([event.topic, event.channel, event.partition, event.offset], ['p.events.users', 'events.users', 2, '7']);
}

// Two names that differ only in case are ambiguous; readConsumedEvent takes the lowercase one (documented), readHeaders the later one.
function noCaseTwins(headers: IHeaders): boolean {
  const lower = Object.keys(headers).map((name) => name.toLowerCase());
  return new Set(lower).size === lower.length;
}

describe('readConsumedEvent', () => {
  const eventArbitrary = fc.constantFrom(...eventSchemas).chain((schema) =>
    fc.record({
      schema: fc.constant(schema),
      payload: messageArbitrary(schema),
      contentType: fc.constantFrom(...Object.values(EventContentTypes)),
      correlationId: fc.option(fc.uuid(), { nil: undefined }),
      causationId: fc.option(fc.uuid(), { nil: undefined }),
      traceparent: fc.option(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), { nil: undefined }),
    }),
  );
  const encode = ({ schema, payload, contentType, ...rest }: { schema: DescMessage; payload: ReturnType<typeof create>; contentType: (typeof EventContentTypes)[keyof typeof EventContentTypes]; correlationId?: string; causationId?: string; traceparent?: string }) =>
    encodeEvent(schema, payload, { id: 'e-1', source: '/test', time: new Date('2026-03-04T05:06:07.890Z'), subject: 'agg-1', contentType, aggregateType: 'user', ...rest }, defaultEventRegistry);

  test('any valid event reads as decodeEvent reads it: every attribute, the payload, the headers', () => {
    fc.assert(
      fc.property(eventArbitrary, (event) => {
        const encoded = encode(event);
        assertAgrees(Buffer.from(encoded.value), onTheWire(encoded.headers));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a valid event with a header dropped or mangled, or its bytes corrupted, fails as decodeEvent fails: the same code, up front or on reading the payload', () => {
    const headerName = fc.constantFrom(...Object.values(CloudEventHeaders), 'ce_datacontenttype', 'ce-type', 'ce-id', 'CE_SOURCE', 'Content-Type');
    const headerValue = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom('1.0', ' 1.0 ', '0.3', '', ' ', 'auth.v1.UserCreated', 'application/protobuf', 'Application/Protobuf; charset=x', 'application/json', 'text/plain', 'not-a-time'),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    );
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), header: headerName }),
      fc.record({ kind: fc.constant('set' as const), header: headerName, value: headerValue }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat() }),
    );
    fc.assert(
      fc.property(eventArbitrary, fc.array(mutation, { minLength: 1, maxLength: 3 }), (event, changes) => {
        const encoded = encode(event);
        const headers: IHeaders = onTheWire(encoded.headers);
        let value = Buffer.from(encoded.value);
        for (const change of changes) {
          if (change.kind === 'drop') delete headers[change.header];
          if (change.kind === 'set') headers[change.header] = change.value as IHeaders[string];
          if (change.kind === 'bytes' && value.length > 0) {
            value[change.at % value.length] = change.byte;
            value = value.subarray(0, value.length - (change.cut % (value.length + 1)));
          }
        }
        fc.pre(noCaseTwins(headers));
        assertAgrees(value, headers);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a header without a value (an empty array) is absent, so the attribute is read from its other spelling, as decodeEvent reads it', () => {
    const encoded = encode({ schema: UserCreatedSchema, payload: create(UserCreatedSchema, { userId: 'u-3' }), contentType: EventContentTypes.PROTOBUF });
    const value = Buffer.from(encoded.value);
    for (const [name, spelled] of [[CloudEventHeaders.TYPE, 'ce-type'], [CloudEventHeaders.SOURCE, 'ce-source'], [CloudEventHeaders.CORRELATION_ID, 'ce-correlationid']] as const) {
      const headers: IHeaders = { ...onTheWire(encoded.headers), [name]: [], [spelled]: Buffer.from(name === CloudEventHeaders.SOURCE ? '/elsewhere' : name === CloudEventHeaders.TYPE ? UserCreatedSchema.typeName : 'c-9') };
      assertAgrees(value, headers);
      const event = readConsumedEvent(record(value, headers), 'events.users', defaultEventRegistry);
      assert.equal(event.type, UserCreatedSchema.typeName);
      if (name === CloudEventHeaders.SOURCE) assert.equal(event.source, '/elsewhere');
      if (name === CloudEventHeaders.CORRELATION_ID) assert.equal(event.correlationId, 'c-9');
    }
  });

  test('a payload that is not protobuf at all, or cut short, is turned away up front; one broken only inside a string field fails on first access', () => {
    const headers = onTheWire(encode({ schema: UserCreatedSchema, payload: create(UserCreatedSchema), contentType: EventContentTypes.PROTOBUF }).headers);
    const valid = Buffer.from(toBinary(UserCreatedSchema, create(UserCreatedSchema, { userId: 'u-1', email: 'u@example.com' })));
    for (const broken of [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), valid.subarray(0, valid.length - 3), Buffer.from([0x0b])]) {
      assert.throws(
        () => readConsumedEvent(record(broken, headers), 'users', defaultEventRegistry),
        (error: unknown) => error instanceof EventBusError && error.code === 'DECODE_FAILED' && error.message.startsWith('the value is not a valid auth.v1.UserCreated (application/protobuf): '),
      );
    }
    // Field 1 (user_id, a string) holding bytes that are not UTF-8: sound wire structure, invalid message.
    const event = readConsumedEvent(record(Buffer.from([0x0a, 0x02, 0xc3, 0x28]), headers), 'users', defaultEventRegistry);
    assert.equal(event.id, 'e-1', 'the attributes are there');
    assert.equal(payloadDecodeFailure(event), undefined, 'nothing failed before the payload is read');
    assert.throws(() => event.payload, (error: unknown) => error instanceof EventBusError && error.code === 'DECODE_FAILED' && /not valid for encoding utf-8/.test(error.message));
    assert.equal(payloadDecodeFailure(event)?.code, 'DECODE_FAILED');
  });

  test('toJSON has every field, the lazy ones included', () => {
    const encoded = encode({ schema: UserCreatedSchema, payload: create(UserCreatedSchema, { userId: 'u-9' }), contentType: EventContentTypes.PROTOBUF, causationId: 'c-1' });
    const json = JSON.parse(JSON.stringify(readConsumedEvent(record(Buffer.from(encoded.value), onTheWire(encoded.headers)), 'events.users', defaultEventRegistry)));
    assert.equal(json.source, '/test');
    assert.equal(json.subject, 'agg-1');
    assert.equal(json.causationId, 'c-1');
    assert.equal(json.aggregateType, 'user');
    assert.equal(json.key, 'k-1');
    assert.equal(json.payload.userId, 'u-9');
    assert.equal(json.headers.ce_id, 'e-1');
  });
});

describe('checkProtobufWire', () => {
  test('every encoded message of every event type passes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...eventSchemas).chain((schema) => messageArbitrary(schema).map((message) => toBinary(schema, message))),
        (bytes) => assert.equal(checkProtobufWire(bytes), undefined),
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('on any bytes it turns away at least what fromBinary turns away when every field is unknown', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let parses = true;
        try {
          fromBinary(EmptySchema, bytes);
        } catch {
          parses = false;
        }
        if (!parses) assert.notEqual(checkProtobufWire(bytes), undefined, 'fromBinary rejects it, so must the check');
      }),
      { numRuns: 2000 },
    );
  });

  test('it names the flaw', () => {
    assert.match(checkProtobufWire(Buffer.from([0x0a, 0x05, 0x61]))!, /premature EOF/);
    assert.match(checkProtobufWire(Buffer.from([0x07]))!, /illegal tag/);
    assert.match(checkProtobufWire(Buffer.from([0x00]))!, /illegal tag: field no 0/);
    assert.match(checkProtobufWire(Buffer.from([0x0b, 0x08, 0x01]))!, /premature EOF in a group/);
    assert.match(checkProtobufWire(Buffer.from([0x0b, 0x14]))!, /invalid end group tag/);
    assert.match(checkProtobufWire(Buffer.from([0x08, ...Array(10).fill(0x80), 0x01]))!, /invalid varint/);
    assert.equal(checkProtobufWire(Buffer.from([0x0b, 0x08, 0x01, 0x0c])), undefined, 'a closed group');
    assert.equal(checkProtobufWire(new Uint8Array()), undefined, 'the empty message');
  });
});
