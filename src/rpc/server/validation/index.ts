export { compileMessageRules, EMAIL_PATTERN, MONEY_TYPE_NAME, type CompiledField, type CompiledFieldRules, type CompiledMessageRules } from './compiled-rules.js';
export type { FieldRuleName, FieldViolation } from './field-violation.js';
export { validateMessage } from './validate-message.js';
