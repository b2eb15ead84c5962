import {
  create,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';

/**
 * FILL_MAX_TYPE_DEPTH is how many times one message type may appear on the
 * path from the root; deeper occurrences of a recursive type are left unset
 * so filling terminates.
 */
export const FILL_MAX_TYPE_DEPTH = 2;

/** FILL_LIST_LENGTH is how many elements every repeated field gets. */
export const FILL_LIST_LENGTH = 2;

/** FILL_MAP_SIZE is how many entries every map field gets. */
export const FILL_MAP_SIZE = 2;

/** Well-known types whose fields are constrained; each has its own filler. */
const WKT_FILLERS: Record<string, (seed: number) => Record<string, unknown>> = {
  // Valid JSON range is years 0001-9999; nanos exercise the fractional form.
  'google.protobuf.Timestamp': (seed) => ({ seconds: 1_700_000_000n + BigInt(seed), nanos: 123_000_000 }),
  // seconds and nanos must share a sign.
  'google.protobuf.Duration': (seed) => ({ seconds: 3_600n + BigInt(seed), nanos: 500_000_000 }),
  // JSON turns paths into lowerCamelCase and back, so they must be snake_case.
  'google.protobuf.FieldMask': () => ({ paths: ['display_name', 'roles'] }),
  'google.protobuf.Empty': () => ({}),
};

/** WKTs the filler does not handle; refusing beats silently testing nothing. */
const UNSUPPORTED_WKT = new Set([
  'google.protobuf.Any',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

/**
 * variantCount is how many distinct instances fillMessage can build for a
 * message: one per case of its largest oneof, so every case gets exercised.
 */
export function variantCount(desc: DescMessage): number {
  return Math.max(1, ...desc.oneofs.map((oneof) => oneof.fields.length));
}

/**
 * fillMessage builds an instance of `desc` in which every field holds a
 * non-default value: scalars, enums (a non-zero value), messages (filled
 * recursively), repeated fields and maps (several elements). In each oneof,
 * case number `variant` modulo the number of cases is set.
 */
export function fillMessage<Desc extends DescMessage>(desc: Desc, variant = 0): MessageShape<Desc> {
  return create(desc, fillInit(desc, variant, []) as MessageInitShape<Desc>);
}

function fillInit(desc: DescMessage, variant: number, path: readonly string[]): Record<string, unknown> {
  if (UNSUPPORTED_WKT.has(desc.typeName)) {
    throw new Error(`fillMessage: no filler for ${desc.typeName} (inside ${path.join(' > ') || 'the root'}); add one to fill-message.ts`);
  }
  const wkt = WKT_FILLERS[desc.typeName];
  if (wkt) return wkt(variant);
  const init: Record<string, unknown> = {};
  const typePath = [...path, desc.typeName];
  for (const oneof of desc.oneofs) {
    const field = oneof.fields[variant % oneof.fields.length];
    if (!field) continue;
    const value = fieldValue(field, variant, typePath);
    if (value !== undefined) init[oneof.localName] = { case: field.localName, value };
  }
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const value = fieldValue(field, variant, typePath);
    if (value !== undefined) init[field.localName] = value;
  }
  return init;
}

function fieldValue(field: DescField, variant: number, path: readonly string[]): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar, field.number + variant, field.longAsString, field.name);
    case 'enum':
      return enumValue(field.enum, variant);
    case 'message':
      if (tooDeep(field.message, path)) return undefined;
      // Wrappers in a singular, non-oneof field are unwrapped to their scalar.
      if (isWrapperDesc(field.message) && !field.oneof) {
        const inner = field.message.fields[0];
        return scalarValue(inner.scalar, field.number + variant, inner.longAsString, field.name);
      }
      return fillInit(field.message, variant, path);
    case 'list': {
      const items: unknown[] = [];
      for (let i = 0; i < FILL_LIST_LENGTH; i++) {
        const seed = field.number + variant + i;
        if (field.listKind === 'scalar') items.push(scalarValue(field.scalar, seed, field.longAsString, `${field.name}${i}`));
        else if (field.listKind === 'enum') items.push(enumValue(field.enum, variant + i));
        else if (!tooDeep(field.message, path)) items.push(fillInit(field.message, variant + i, path));
      }
      return items;
    }
    case 'map': {
      const entries: Record<string, unknown> = {};
      for (let i = 0; i < FILL_MAP_SIZE; i++) {
        const seed = field.number + variant + i;
        const key = field.mapKey === ScalarType.STRING ? `key_${i}` : field.mapKey === ScalarType.BOOL ? String(i === 0) : String(i + 1);
        if (field.mapKind === 'scalar') entries[key] = scalarValue(field.scalar, seed, false, `${field.name}${i}`);
        else if (field.mapKind === 'enum') entries[key] = enumValue(field.enum, variant + i);
        else if (!tooDeep(field.message, path)) entries[key] = fillInit(field.message, variant + i, path);
      }
      return entries;
    }
  }
}

function tooDeep(desc: DescMessage, path: readonly string[]): boolean {
  return path.filter((name) => name === desc.typeName).length >= FILL_MAX_TYPE_DEPTH;
}

/** A non-zero enum value; enums with only a zero value get zero. */
function enumValue(desc: DescEnum, variant: number): number {
  const nonZero = desc.values.filter((value) => value.number !== 0);
  return nonZero.length === 0 ? 0 : nonZero[variant % nonZero.length]!.number;
}

/**
 * A non-default scalar. Odd seeds give negative signed integers; 64-bit values
 * exceed 2^53 so a lossy number conversion would show up.
 */
function scalarValue(type: ScalarType, seed: number, longAsString: boolean, name: string): unknown {
  const sign = seed % 2 === 0 ? 1 : -1;
  const long = (value: bigint) => (longAsString ? value.toString() : value);
  switch (type) {
    case ScalarType.STRING:
      return `${name}-${seed}-ü`;
    case ScalarType.BYTES:
      return new Uint8Array([0, 255, seed & 0xff, (seed >> 8) & 0xff]);
    case ScalarType.BOOL:
      return true;
    case ScalarType.DOUBLE:
      return sign * (seed + 0.1);
    case ScalarType.FLOAT:
      // Exactly representable in 32 bits, so it survives the float32 round trip.
      return sign * (seed + 0.25);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return sign * (seed + 1);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return 0x8000_0000 + seed;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(BigInt(sign) * (2n ** 60n + BigInt(seed)));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(2n ** 63n + BigInt(seed));
  }
}
