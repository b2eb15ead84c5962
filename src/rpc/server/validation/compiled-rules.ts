import { getOption, hasOption, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { field as fieldRulesOption } from '../../../../gen/mesh/v1/options_pb.js';

/** MONEY_TYPE_NAME is the message whose decimal value min, max and gt bound. */
export const MONEY_TYPE_NAME = 'mesh.v1.Money';

/**
 * EMAIL_PATTERN is the WHATWG HTML "valid e-mail address" syntax, the
 * practical addr-spec subset browsers and protovalidate accept.
 */
export const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** CompiledFieldRules is one field's (mesh.v1.field) option, with its pattern compiled. */
export interface CompiledFieldRules {
  readonly required: boolean;
  readonly minLen: number;
  readonly maxLen: number;
  readonly pattern?: RegExp;
  readonly patternSource?: string;
  readonly email: boolean;
  readonly min?: bigint;
  readonly max?: bigint;
  readonly gt?: bigint;
}

/** CompiledField is a field to check: its rules, if any, and whether to look inside its messages. */
export interface CompiledField {
  readonly field: DescField;
  readonly rules?: CompiledFieldRules;
  readonly descend: boolean;
}

/** CompiledMessageRules lists the fields of one message type that validation visits. */
export interface CompiledMessageRules {
  readonly fields: readonly CompiledField[];
}

const cache = new WeakMap<DescMessage, CompiledMessageRules>();

/**
 * compileMessageRules reads the (mesh.v1.field) options of a message type
 * once and caches the result per descriptor. Fields without rules are kept
 * only when they hold messages that may carry rules of their own.
 */
export function compileMessageRules(desc: DescMessage): CompiledMessageRules {
  let compiled = cache.get(desc);
  if (!compiled) {
    compiled = { fields: desc.fields.flatMap(compileField) };
    cache.set(desc, compiled);
  }
  return compiled;
}

function compileField(field: DescField): CompiledField[] {
  const rules = hasOption(field, fieldRulesOption) ? compileRules(field) : undefined;
  // Well-known types carry no toolkit rules; skipping them saves a walk per call.
  const descend = field.message !== undefined && !field.message.typeName.startsWith('google.protobuf.');
  return rules || descend ? [{ field, rules, descend }] : [];
}

function compileRules(field: DescField): CompiledFieldRules {
  const option = getOption(field, fieldRulesOption);
  const isString = field.scalar === ScalarType.STRING;
  const pattern = isString && option.pattern !== '' ? new RegExp(`^(?:${option.pattern})$`, 'u') : undefined;
  return {
    required: option.required,
    minLen: option.minLen,
    maxLen: option.maxLen,
    pattern,
    patternSource: pattern ? option.pattern : undefined,
    email: option.email,
    min: option.min,
    max: option.max,
    gt: option.gt,
  };
}
