import type { Money } from '../../../gen/mesh/v1/money_pb.js';
import { totalNanos } from './money.js';
import { invalidArgument, requireField } from './service-errors.js';

const CURRENCY_PATTERN = /^[A-Z]{3}$/;
const MAX_NANOS = 999_999_999;

/**
 * requireMoney returns a well-formed Money argument (ISO currency, nanos in
 * range and signed like units), or fails with INVALID_ARGUMENT on `field`;
 * with `positive`, the amount must also be greater than zero.
 */
export function requireMoney(amount: Money | undefined, field: string, options: { positive?: boolean } = {}): Money {
  const value = requireField(amount, field);
  if (!CURRENCY_PATTERN.test(value.currencyCode)) throw invalidArgument(`${field}.currency_code`, 'pattern', 'must be a three-letter ISO 4217 code');
  if (Math.abs(value.nanos) > MAX_NANOS) throw invalidArgument(`${field}.nanos`, 'max', 'must be within ±999999999');
  if ((value.units > 0n && value.nanos < 0) || (value.units < 0n && value.nanos > 0)) {
    throw invalidArgument(`${field}.nanos`, 'sign', 'must have the sign of units');
  }
  if (options.positive && totalNanos(value) <= 0n) throw invalidArgument(field, 'gt', 'must be greater than 0');
  return value;
}

/** requireCurrency fails with INVALID_ARGUMENT on `field` unless an amount is in `currencyCode`. */
export function requireCurrency(amount: Money, currencyCode: string, field: string): void {
  if (amount.currencyCode !== currencyCode) throw invalidArgument(`${field}.currency_code`, 'currency', `must be ${currencyCode}`);
}
