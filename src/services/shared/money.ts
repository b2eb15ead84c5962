import { create } from '@bufbuild/protobuf';
import { MoneySchema, type Money } from '../../../gen/mesh/v1/money_pb.js';

/** NANOS_PER_UNIT is 10^9: Money's value is units + nanos / NANOS_PER_UNIT. */
export const NANOS_PER_UNIT = 1_000_000_000n;

/** DEFAULT_MINOR_UNIT_DIGITS is the ISO 4217 exponent of currencies not listed in MINOR_UNIT_DIGITS (cents). */
export const DEFAULT_MINOR_UNIT_DIGITS = 2;

/** MINOR_UNIT_DIGITS lists the ISO 4217 currencies whose exponent is not DEFAULT_MINOR_UNIT_DIGITS. */
export const MINOR_UNIT_DIGITS: Readonly<Record<string, number>> = {
  BHD: 3, BIF: 0, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KMF: 0, KRW: 0, KWD: 3,
  LYD: 3, OMR: 3, PYG: 0, RWF: 0, TND: 3, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

/** CurrencyMismatchError is thrown when two amounts in different currencies are combined. */
export class CurrencyMismatchError extends Error {
  /** code is stable for callers to branch on. */
  readonly code = 'CURRENCY_MISMATCH';
  override name = 'CurrencyMismatchError';
  constructor(
    readonly left: string,
    readonly right: string,
  ) {
    super(`cannot combine ${left} with ${right}`);
  }
}

/** totalNanos returns the whole amount of money in nanos (10^-9 units), exactly. */
export function totalNanos(money: Money): bigint {
  return money.units * NANOS_PER_UNIT + BigInt(money.nanos);
}

/** moneyFromNanos builds a normalized Money (nanos sign matching units) from a nano amount. */
export function moneyFromNanos(currencyCode: string, nanos: bigint): Money {
  // BigInt division truncates toward zero, so units and remainder share a sign, as Money requires.
  const units = nanos / NANOS_PER_UNIT;
  return create(MoneySchema, { currencyCode, units, nanos: Number(nanos - units * NANOS_PER_UNIT) });
}

/** money builds a Money from whole units and optional nanos, e.g. money('EUR', 12n, 500_000_000) is 12.50 EUR. */
export function money(currencyCode: string, units: bigint, nanos = 0): Money {
  return moneyFromNanos(currencyCode, units * NANOS_PER_UNIT + BigInt(nanos));
}

/** zeroMoney is nothing in a currency. */
export function zeroMoney(currencyCode: string): Money {
  return create(MoneySchema, { currencyCode, units: 0n, nanos: 0 });
}

function sameCurrency(a: Money, b: Money): string {
  if (a.currencyCode !== b.currencyCode) throw new CurrencyMismatchError(a.currencyCode, b.currencyCode);
  return a.currencyCode;
}

/** addMoney returns a + b; both must share a currency. */
export function addMoney(a: Money, b: Money): Money {
  return moneyFromNanos(sameCurrency(a, b), totalNanos(a) + totalNanos(b));
}

/** subtractMoney returns a - b; both must share a currency. */
export function subtractMoney(a: Money, b: Money): Money {
  return moneyFromNanos(sameCurrency(a, b), totalNanos(a) - totalNanos(b));
}

/** compareMoney returns -1, 0 or 1 as a is less than, equal to or greater than b; both must share a currency. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  const difference = totalNanos(a) - totalNanos(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** multiplyMoney returns money × quantity exactly (an integer quantity never needs rounding). */
export function multiplyMoney(amount: Money, quantity: bigint): Money {
  return moneyFromNanos(amount.currencyCode, totalNanos(amount) * quantity);
}

/** sumMoney adds amounts of one currency; an empty list is zero in `currencyCode`. */
export function sumMoney(currencyCode: string, amounts: readonly Money[]): Money {
  return amounts.reduce((total, amount) => addMoney(total, amount), zeroMoney(currencyCode));
}

/** isPositiveMoney says whether an amount is greater than zero. */
export function isPositiveMoney(amount: Money): boolean {
  return totalNanos(amount) > 0n;
}

/** minorUnitDigits returns the ISO 4217 exponent of a currency (2 for EUR, 0 for JPY, 3 for KWD). */
export function minorUnitDigits(currencyCode: string): number {
  return MINOR_UNIT_DIGITS[currencyCode] ?? DEFAULT_MINOR_UNIT_DIGITS;
}

/**
 * toMinor returns an amount in its currency's minor units (cents for EUR),
 * rounding half to even ("banker's rounding") when it has finer fractions,
 * so that rounding many line items does not drift in one direction.
 */
export function toMinor(amount: Money): bigint {
  const step = 10n ** BigInt(9 - minorUnitDigits(amount.currencyCode));
  const nanos = totalNanos(amount);
  const quotient = nanos / step;
  const remainder = nanos - quotient * step;
  const doubled = 2n * (remainder < 0n ? -remainder : remainder);
  if (doubled < step || (doubled === step && quotient % 2n === 0n)) return quotient;
  return quotient + (nanos < 0n ? -1n : 1n);
}

/** fromMinor builds a Money from minor units, the inverse of toMinor. */
export function fromMinor(currencyCode: string, minor: bigint): Money {
  return moneyFromNanos(currencyCode, minor * 10n ** BigInt(9 - minorUnitDigits(currencyCode)));
}

/** roundMoney rounds an amount to its currency's minor unit (see toMinor). */
export function roundMoney(amount: Money): Money {
  return fromMinor(amount.currencyCode, toMinor(amount));
}

/** formatMoney renders an amount exactly, e.g. "12.50 EUR", for messages and logs. */
export function formatMoney(amount: Money): string {
  const nanos = totalNanos(amount);
  const sign = nanos < 0n ? '-' : '';
  const absolute = nanos < 0n ? -nanos : nanos;
  const digits = Math.max(minorUnitDigits(amount.currencyCode), 0);
  const fraction = (absolute % NANOS_PER_UNIT).toString().padStart(9, '0').replace(/0+$/, '').padEnd(digits, '0');
  return `${sign}${absolute / NANOS_PER_UNIT}${fraction ? `.${fraction}` : ''} ${amount.currencyCode}`;
}
