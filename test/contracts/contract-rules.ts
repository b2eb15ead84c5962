import {
  getOption,
  hasOption,
  ScalarType,
  type DescField,
  type DescFile,
} from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { field as fieldRules } from '../../gen/mesh/v1/options_pb.js';
import { allMessages } from './generated-files.js';

/**
 * THIRD_PARTY_PACKAGE is the prefix of packages kept identical to their
 * upstream (gRPC health and reflection); house rules do not apply to them.
 */
export const THIRD_PARTY_PACKAGE = /^grpc\./;

/** MONEY_NAME matches field names that hold money, one snake_case word at a time. */
export const MONEY_NAME = /(^|_)(amount|amounts|price|prices|budget|budgets|total|totals|subtotal|cost|costs|fee|fees|balance|earnings|tax|payout)(_|$)/;

/** READ_ONLY_METHOD matches RPC names that must be NO_SIDE_EFFECTS. */
export const READ_ONLY_METHOD = /^(Get|List|BatchGet|Validate)[A-Z]/;

/** MONEY_TYPE is the one message type money fields may have (besides integers). */
export const MONEY_TYPE = 'mesh.v1.Money';

const FLOATS = new Set([ScalarType.FLOAT, ScalarType.DOUBLE]);
const INTEGERS = new Set([
  ScalarType.INT32, ScalarType.SINT32, ScalarType.SFIXED32, ScalarType.UINT32, ScalarType.FIXED32,
  ScalarType.INT64, ScalarType.SINT64, ScalarType.SFIXED64, ScalarType.UINT64, ScalarType.FIXED64,
]);

/** floatMoneyFields lists money-named fields typed float or double (also as list or map values). */
export function floatMoneyFields(files: readonly DescFile[]): string[] {
  return allMessages(files)
    .flatMap((message) => message.fields)
    .filter((field) => MONEY_NAME.test(field.name) && field.scalar !== undefined && FLOATS.has(field.scalar))
    .map((field) => `${field.parent.typeName}.${field.name}`);
}

/** sideEffectingReads lists Get/List/BatchGet/Validate RPCs not marked NO_SIDE_EFFECTS. */
export function sideEffectingReads(files: readonly DescFile[]): string[] {
  return files
    .filter((file) => !THIRD_PARTY_PACKAGE.test(file.proto.package))
    .flatMap((file) => file.services)
    .flatMap((service) => service.methods)
    .filter((method) => READ_ONLY_METHOD.test(method.name))
    .filter((method) => method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS)
    .map((method) => `${method.parent.typeName}.${method.name}`);
}

/**
 * embeddedEventMetadata lists event and job payload fields that embed the
 * envelope: it travels in Kafka headers, so payloads must not repeat it.
 */
export function embeddedEventMetadata(files: readonly DescFile[]): string[] {
  const payloadFiles = files.filter((file) => /_(events|jobs)\.proto$/.test(file.proto.name));
  return allMessages(payloadFiles)
    .flatMap((message) => message.fields)
    .filter((field) => field.message?.typeName === 'mesh.v1.EventMetadata' || field.message?.typeName === 'mesh.v1.JobMetadata')
    .map((field) => `${field.parent.typeName}.${field.name}`);
}

/**
 * invalidFieldRules lists (mesh.v1.field) options that the validator could
 * not apply as written: a pattern that does not compile, a rule on a field
 * type it does not apply to, min_len above max_len.
 */
export function invalidFieldRules(files: readonly DescFile[]): string[] {
  const problems: string[] = [];
  for (const field of allMessages(files).flatMap((message) => message.fields)) {
    if (!hasOption(field, fieldRules)) continue;
    const rules = getOption(field, fieldRules);
    const where = `${field.parent.typeName}.${field.name}`;
    const scalar = field.fieldKind === 'map' ? undefined : field.scalar;
    const isString = scalar === ScalarType.STRING;
    const isNumeric = (scalar !== undefined && INTEGERS.has(scalar)) || field.message?.typeName === MONEY_TYPE;
    const hasLength = isString || scalar === ScalarType.BYTES || field.fieldKind === 'list' || field.fieldKind === 'map';
    if (rules.pattern !== '') {
      if (!isString) problems.push(`${where}: pattern on a non-string field`);
      try {
        new RegExp(rules.pattern, 'u');
      } catch (error) {
        problems.push(`${where}: pattern does not compile: ${(error as Error).message}`);
      }
    }
    if (rules.email && !isString) problems.push(`${where}: email on a non-string field`);
    if ((rules.min !== undefined || rules.max !== undefined || rules.gt !== undefined) && !isNumeric) {
      problems.push(`${where}: min/max/gt on a field that is neither an integer nor ${MONEY_TYPE}`);
    }
    if ((rules.minLen > 0 || rules.maxLen > 0) && !hasLength) problems.push(`${where}: min_len/max_len on a field without a length`);
    if (rules.maxLen > 0 && rules.minLen > rules.maxLen) problems.push(`${where}: min_len > max_len`);
    if (rules.required && !requiredApplies(field)) problems.push(`${where}: required is not checked on this field type`);
  }
  return problems;
}

function requiredApplies(field: DescField): boolean {
  if (field.fieldKind !== 'scalar') return true;
  return field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES;
}
