/**
 * FieldViolation is one failed validation rule, shaped like
 * mesh.v1.BadRequest.FieldViolation so it can travel as an error detail.
 */
export interface FieldViolation {
  /** field is the path to the value, e.g. "budget.min.currency_code" or "skills[2]". */
  readonly field: string;
  /** rule names the failed mesh.v1.FieldRules rule, e.g. "max_len". */
  readonly rule: FieldRuleName;
  /** description says what was expected, for humans. */
  readonly description: string;
}

/** FieldRuleName is the proto name of a mesh.v1.FieldRules rule. */
export type FieldRuleName = 'required' | 'min_len' | 'max_len' | 'pattern' | 'email' | 'min' | 'max' | 'gt';
