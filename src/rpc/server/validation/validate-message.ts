import { ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { compileMessageRules, EMAIL_PATTERN, MONEY_TYPE_NAME, type CompiledFieldRules } from './compiled-rules.js';
import type { FieldViolation } from './field-violation.js';

const NANOS_PER_UNIT = 1_000_000_000n;

type Fields = Record<string, unknown>;

/**
 * validateMessage checks a message against the (mesh.v1.field) rules of its
 * type and of every set message inside it, and returns the violations in
 * field order; an empty list means valid. It never throws for a bad value.
 */
export function validateMessage(desc: DescMessage, message: Message): FieldViolation[] {
  const violations: FieldViolation[] = [];
  visitMessage(desc, message as unknown as Fields, '', violations);
  return violations;
}

function visitMessage(desc: DescMessage, message: Fields, prefix: string, out: FieldViolation[]): void {
  for (const { field, rules, descend } of compileMessageRules(desc).fields) {
    const path = prefix + field.name;
    const value = readField(message, field);
    switch (field.fieldKind) {
      case 'list': {
        const list = (value ?? []) as unknown[];
        if (rules) checkCount(rules, list.length, path, out);
        list.forEach((element, i) => visitValue(field, rules, descend, element, `${path}[${i}]`, out));
        break;
      }
      case 'map': {
        const entries = Object.entries((value ?? {}) as Fields);
        if (rules) checkCount(rules, entries.length, path, out);
        for (const [key, element] of entries) visitValue(field, rules, descend, element, `${path}[${JSON.stringify(key)}]`, out);
        break;
      }
      default:
        if (rules?.required && isEmpty(field, value)) {
          out.push({ field: path, rule: 'required', description: 'is required' });
          break;
        }
        visitValue(field, rules, descend, value, path, out);
    }
  }
}

/** visitValue checks one singular value or one element of a list or map. */
function visitValue(
  field: DescField,
  rules: CompiledFieldRules | undefined,
  descend: boolean,
  value: unknown,
  path: string,
  out: FieldViolation[],
): void {
  if (value === undefined) return;
  if (field.message) {
    if (rules && field.message.typeName === MONEY_TYPE_NAME) checkBounds(rules, moneyNanos(value as Fields), NANOS_PER_UNIT, path, out);
    if (descend) visitMessage(field.message, value as Fields, `${path}.`, out);
    return;
  }
  if (!rules) return;
  if (typeof value === 'string') {
    if (value === '') return;
    if (field.fieldKind !== 'list' && field.fieldKind !== 'map') checkLength(rules, [...value].length, 'characters', path, out);
    if (rules.pattern && !rules.pattern.test(value)) {
      out.push({ field: path, rule: 'pattern', description: `must match ${rules.patternSource}` });
    }
    if (rules.email && !EMAIL_PATTERN.test(value)) out.push({ field: path, rule: 'email', description: 'must be a valid email address' });
  } else if (value instanceof Uint8Array) {
    if (value.length > 0 && field.fieldKind !== 'list' && field.fieldKind !== 'map') checkLength(rules, value.length, 'bytes', path, out);
  } else if (isIntegerField(field) && (typeof value === 'number' || typeof value === 'bigint')) {
    checkBounds(rules, BigInt(value), 1n, path, out);
  }
}

function checkCount(rules: CompiledFieldRules, count: number, path: string, out: FieldViolation[]): void {
  if (rules.required && count === 0) {
    out.push({ field: path, rule: 'required', description: 'must have at least one element' });
    return;
  }
  if (count > 0) checkLength(rules, count, 'elements', path, out);
}

function checkLength(rules: CompiledFieldRules, length: number, unit: string, path: string, out: FieldViolation[]): void {
  if (rules.minLen > 0 && length < rules.minLen) {
    out.push({ field: path, rule: 'min_len', description: `must be at least ${rules.minLen} ${unit}` });
  }
  if (rules.maxLen > 0 && length > rules.maxLen) {
    out.push({ field: path, rule: 'max_len', description: `must be at most ${rules.maxLen} ${unit}` });
  }
}

/** checkBounds compares `scaled` (the value times `scale`) with the integer bounds. */
function checkBounds(rules: CompiledFieldRules, scaled: bigint, scale: bigint, path: string, out: FieldViolation[]): void {
  if (rules.min !== undefined && scaled < rules.min * scale) out.push({ field: path, rule: 'min', description: `must be at least ${rules.min}` });
  if (rules.max !== undefined && scaled > rules.max * scale) out.push({ field: path, rule: 'max', description: `must be at most ${rules.max}` });
  if (rules.gt !== undefined && scaled <= rules.gt * scale) out.push({ field: path, rule: 'gt', description: `must be greater than ${rules.gt}` });
}

function moneyNanos(money: Fields): bigint {
  return BigInt((money.units as bigint | number | undefined) ?? 0) * NANOS_PER_UNIT + BigInt((money.nanos as number | undefined) ?? 0);
}

function readField(message: Fields, field: DescField): unknown {
  if (field.oneof) {
    const selected = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return selected?.case === field.localName ? selected.value : undefined;
  }
  return message[field.localName];
}

/** isEmpty is the `required` test: unset message, empty string or bytes, zero enum. */
function isEmpty(field: DescField, value: unknown): boolean {
  if (value === undefined) return true;
  if (field.fieldKind === 'enum') return value === 0;
  if (typeof value === 'string' || value instanceof Uint8Array) return value.length === 0;
  return false;
}

function isIntegerField(field: DescField): boolean {
  switch (field.scalar) {
    case ScalarType.INT32:
    case ScalarType.INT64:
    case ScalarType.UINT32:
    case ScalarType.UINT64:
    case ScalarType.SINT32:
    case ScalarType.SINT64:
    case ScalarType.FIXED32:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED32:
    case ScalarType.SFIXED64:
      return true;
    default:
      return false;
  }
}
