// A fast-check arbitrary for any generated protobuf message, built from its
// descriptor, so property tests cover every event type without a hand-written
// generator per type.
import { create, ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import fc from 'fast-check';

/** MAX_DEPTH bounds nested messages, so recursive types stay finite. */
const MAX_DEPTH = 3;
/** JSON_MAX_SECONDS is the largest Timestamp the JSON mapping accepts (9999-12-31T23:59:59Z). */
const JSON_MAX_SECONDS = 253_402_300_799n;
/** JSON_MIN_SECONDS is the smallest (0001-01-01T00:00:00Z). */
const JSON_MIN_SECONDS = -62_135_596_800n;
/** DURATION_MAX_SECONDS is the ±10,000-year limit of google.protobuf.Duration. */
const DURATION_MAX_SECONDS = 315_576_000_000n;

// Text that survives UTF-8 both ways (no lone surrogates).
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
// -0 and NaN have no distinct proto3 or JSON round trip (-0 is the default, NaN != NaN).
const double = fc.double().filter((d) => !Number.isNaN(d) && !Object.is(d, -0));
const float = fc.float().filter((d) => !Number.isNaN(d) && !Object.is(d, -0));
const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
const uint64 = fc.bigInt(0n, 2n ** 64n - 1n);

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
      return double;
    case ScalarType.FLOAT:
      return float;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return uint64;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return text;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 16 });
  }
}

function wellKnown(desc: DescMessage): fc.Arbitrary<Message> | undefined {
  switch (desc.typeName) {
    case 'google.protobuf.Timestamp':
      return fc.record({ seconds: fc.bigInt(JSON_MIN_SECONDS, JSON_MAX_SECONDS), nanos: fc.integer({ min: 0, max: 999_999_999 }) }).map((init) => create(desc, init));
    case 'google.protobuf.Duration':
      return fc
        .record({ seconds: fc.bigInt(-DURATION_MAX_SECONDS, DURATION_MAX_SECONDS), nanos: fc.integer({ min: 0, max: 999_999_999 }) })
        .map(({ seconds, nanos }) => create(desc, { seconds, nanos: seconds < 0n ? -nanos : nanos }));
    case 'google.protobuf.FieldMask':
      // Paths that survive the JSON mapping's lowerCamelCase round trip.
      return fc.array(fc.stringMatching(/^[a-z]{1,6}(_[a-z]{1,6}){0,2}$/), { maxLength: 3 }).map((paths) => create(desc, { paths }));
    default:
      return undefined;
  }
}

function enumValue(field: DescField & { enum: NonNullable<DescField['enum']> }): fc.Arbitrary<number> {
  return fc.constantFrom(...field.enum.values.map((value) => value.number));
}

function single(field: DescField, kind: 'scalar' | 'enum' | 'message', depth: number): fc.Arbitrary<unknown> {
  if (kind === 'scalar') return scalar((field as { scalar: ScalarType }).scalar);
  if (kind === 'enum') return enumValue(field as DescField & { enum: NonNullable<DescField['enum']> });
  return messageArbitrary((field as { message: DescMessage }).message, depth + 1);
}

function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum':
    case 'message':
      return single(field, field.fieldKind, depth);
    case 'list':
      return fc.array(single(field, field.listKind, depth), { maxLength: depth < MAX_DEPTH ? 3 : 0 });
    case 'map': {
      const key = field.mapKey === ScalarType.STRING ? text : field.mapKey === ScalarType.BOOL ? fc.boolean() : fc.integer({ min: 0, max: 1000 });
      return fc.array(fc.tuple(key.map(String), single(field, field.mapKind, depth)), { maxLength: depth < MAX_DEPTH ? 3 : 0 }).map((entries) => Object.fromEntries(entries));
    }
  }
}

/**
 * messageArbitrary generates messages of `desc` whose every field, nested
 * messages and oneofs included, may be set; values stay within what both the
 * binary and the JSON mappings can carry.
 */
export function messageArbitrary(desc: DescMessage, depth = 0): fc.Arbitrary<Message> {
  const known = wellKnown(desc);
  if (known) return known;
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof) continue;
    if (field.fieldKind === 'message' && depth >= MAX_DEPTH) continue;
    parts[field.localName] = fieldValue(field, depth);
  }
  for (const oneof of desc.oneofs) {
    const cases = oneof.fields.filter((field) => field.fieldKind !== 'message' || depth < MAX_DEPTH);
    parts[oneof.localName] = fc.oneof(
      fc.constant({ case: undefined }),
      ...cases.map((field) => fieldValue(field, depth).map((value) => ({ case: field.localName, value }))),
    );
  }
  return fc.record(parts, { requiredKeys: [] }).map((init) => create(desc, init as never));
}
