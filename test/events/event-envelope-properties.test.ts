// Property-based tests of the event envelope codec: every event of every
// type round-trips, and no bytes or headers make the decoder throw anything
// but its typed error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equals, toBinary, type DescMessage } from '@bufbuild/protobuf';
import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import {
  CloudEventHeaders,
  decodeEvent,
  defaultEventRegistry,
  encodeEvent,
  EventBusError,
  EventContentTypes,
  eventType,
  readHeaders,
  type EventAttributes,
} from '../../src/events/index.js';
import { messageArbitrary } from './message-arbitrary.js';

/** NUM_RUNS keeps each property to well under a second on a busy machine. */
const NUM_RUNS = 200;

/** DECODE_ERROR_CODES are the codes decodeEvent documents. */
const DECODE_ERROR_CODES = new Set(['MISSING_HEADER', 'UNSUPPORTED_SPEC_VERSION', 'UNKNOWN_TYPE', 'UNSUPPORTED_CONTENT_TYPE', 'DECODE_FAILED']);

const eventSchemas: DescMessage[] = [...defaultEventRegistry].flatMap((type) => (type.kind === 'message' ? [type] : []));

// Header values travel trimmed (cloudEventAttribute drops surrounding
// whitespace, and an empty value counts as absent), so attributes that
// round-trip exactly are non-empty and already trimmed.
const attribute = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((value) => value.trim() === value && value.length > 0);
const optionalAttribute = fc.option(attribute, { nil: undefined });

const attributesArbitrary: fc.Arbitrary<Omit<EventAttributes, 'contentType'>> = fc.record({
  id: attribute,
  source: attribute,
  time: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
  subject: attribute,
  correlationId: optionalAttribute,
  causationId: optionalAttribute,
  aggregateType: optionalAttribute,
  traceparent: optionalAttribute,
  tracestate: optionalAttribute,
});

const eventArbitrary = fc
  .constantFrom(...eventSchemas)
  .chain((schema) => fc.record({ schema: fc.constant(schema), payload: messageArbitrary(schema), attributes: attributesArbitrary, contentType: fc.constantFrom(...Object.values(EventContentTypes)) }));

/** onTheWire turns headers into what a consumer gets from Kafka: UTF-8 bytes. */
function onTheWire(headers: Record<string, string>): IHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8')]));
}

function assertTypedDecodeError(error: unknown): true {
  assert.ok(error instanceof EventBusError, `not an EventBusError: ${String(error)}`);
  assert.ok(DECODE_ERROR_CODES.has(error.code), `unexpected code ${error.code}`);
  return true;
}

describe('event envelope, properties', () => {
  test('there are event types to generate', () => {
    assert.ok(eventSchemas.length >= 20, `${eventSchemas.length} event types in the registry`);
  });

  test('any event of any type round-trips encode → Kafka headers → decode exactly, in protobuf and JSON', () => {
    fc.assert(
      fc.property(eventArbitrary, ({ schema, payload, attributes, contentType }) => {
        const encoded = encodeEvent(schema, payload, { ...attributes, contentType }, defaultEventRegistry);
        const decoded = decodeEvent(Buffer.from(encoded.value), readHeaders(onTheWire(encoded.headers)), defaultEventRegistry);
        assert.equal(decoded.schema.typeName, schema.typeName);
        assert.ok(equals(schema, decoded.payload, payload), 'the payload is equal');
        assert.deepEqual(toBinary(schema, decoded.payload), toBinary(schema, payload), 'the payload re-encodes to the same bytes');
        assert.equal(encoded.key, attributes.subject);
        assert.deepEqual(
          {
            id: decoded.id,
            source: decoded.source,
            time: decoded.time?.getTime(),
            subject: decoded.subject,
            contentType: decoded.contentType,
            correlationId: decoded.correlationId,
            causationId: decoded.causationId,
            aggregateType: decoded.aggregateType,
            traceparent: decoded.traceparent,
            tracestate: decoded.tracestate,
          },
          { ...attributes, time: attributes.time.getTime(), contentType },
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  const headerName = fc.oneof(fc.constantFrom(...Object.values(CloudEventHeaders), 'ce_datacontenttype', 'ce-type', 'CE_TYPE', 'Content-Type'), fc.string({ maxLength: 12 }));
  const headerValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom('1.0', '0.3', '', ' ', 'auth.v1.UserCreated', 'application/protobuf', 'application/json', 'text/plain', 'not-a-time'),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  );
  const arbitraryHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 12 }) as fc.Arbitrary<IHeaders>;
  const arbitraryValue = fc.option(fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)), { nil: null });

  test('arbitrary headers and bytes never make decodeEvent or eventType throw anything but a typed EventBusError', () => {
    fc.assert(
      fc.property(arbitraryHeaders, arbitraryValue, (headers, value) => {
        const read = readHeaders(headers);
        try {
          eventType(read);
        } catch (error) {
          assertTypedDecodeError(error);
        }
        try {
          decodeEvent(value, read, defaultEventRegistry);
        } catch (error) {
          assertTypedDecodeError(error);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a valid event with one header dropped or mangled, or its bytes corrupted, decodes or fails with a typed EventBusError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), header: fc.constantFrom(...Object.values(CloudEventHeaders)) }),
      fc.record({ kind: fc.constant('mangle' as const), header: fc.constantFrom(...Object.values(CloudEventHeaders)), value: headerValue }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat() }),
    );
    fc.assert(
      fc.property(eventArbitrary, mutation, ({ schema, payload, attributes, contentType }, change) => {
        const encoded = encodeEvent(schema, payload, { ...attributes, contentType }, defaultEventRegistry);
        const headers: IHeaders = onTheWire(encoded.headers);
        let value = Buffer.from(encoded.value);
        if (change.kind === 'drop') delete headers[change.header];
        if (change.kind === 'mangle') headers[change.header] = change.value as IHeaders[string];
        if (change.kind === 'bytes' && value.length > 0) {
          value[change.at % value.length] = change.byte;
          value = value.subarray(0, value.length - (change.cut % (value.length + 1)));
        }
        try {
          const decoded = decodeEvent(value, readHeaders(headers), defaultEventRegistry);
          // What decodes is a message of the type ce_type names.
          assert.equal(decoded.schema.typeName, decoded.type);
        } catch (error) {
          assertTypedDecodeError(error);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
