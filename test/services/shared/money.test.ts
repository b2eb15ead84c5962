import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMoney,
  compareMoney,
  CurrencyMismatchError,
  formatMoney,
  fromMinor,
  money,
  multiplyMoney,
  roundMoney,
  subtractMoney,
  sumMoney,
  toMinor,
  totalNanos,
} from '../../../src/services/shared/money.js';

describe('money', () => {
  test('adds with carry between nanos and units, never through floats', () => {
    // 0.1 + 0.2 is the float classic; here it is exactly 0.3.
    const sum = addMoney(money('EUR', 0n, 100_000_000), money('EUR', 0n, 200_000_000));
    assert.deepEqual([sum.units, sum.nanos], [0n, 300_000_000]);
    const carried = addMoney(money('EUR', 1n, 600_000_000), money('EUR', 2n, 700_000_000));
    assert.deepEqual([carried.units, carried.nanos], [4n, 300_000_000]);
  });

  test('subtracts into negatives with nanos signed like units', () => {
    const difference = subtractMoney(money('EUR', 1n, 0), money('EUR', 2n, 750_000_000));
    assert.deepEqual([difference.units, difference.nanos], [-1n, -750_000_000]);
    const small = subtractMoney(money('EUR', 0n, 250_000_000), money('EUR', 1n, 0));
    assert.deepEqual([small.units, small.nanos], [0n, -750_000_000]);
  });

  test('compares, and refuses to mix currencies', () => {
    assert.equal(compareMoney(money('EUR', 1n, 1), money('EUR', 1n, 0)), 1);
    assert.equal(compareMoney(money('EUR', 1n), money('EUR', 1n)), 0);
    assert.equal(compareMoney(money('EUR', -1n), money('EUR', 0n)), -1);
    assert.throws(() => addMoney(money('EUR', 1n), money('USD', 1n)), (error: unknown) => error instanceof CurrencyMismatchError && error.code === 'CURRENCY_MISMATCH');
    assert.throws(() => compareMoney(money('EUR', 1n), money('USD', 1n)), CurrencyMismatchError);
  });

  test('toMinor uses the currency exponent and rounds half to even', () => {
    assert.equal(toMinor(money('EUR', 12n, 340_000_000)), 1234n);
    assert.equal(toMinor(money('JPY', 1500n)), 1500n);
    assert.equal(toMinor(money('KWD', 1n, 234_000_000)), 1234n);
    assert.equal(toMinor(money('EUR', 0n, 5_000_000)), 0n); // 0.005 → 0.00 (even)
    assert.equal(toMinor(money('EUR', 0n, 15_000_000)), 2n); // 0.015 → 0.02 (even)
    assert.equal(toMinor(money('EUR', 0n, 15_000_001)), 2n);
    assert.equal(toMinor(money('EUR', 0n, 14_999_999)), 1n);
    assert.equal(toMinor(money('EUR', 0n, -15_000_000)), -2n);
    assert.equal(toMinor(money('EUR', -1n, -5_000_000)), -100n);
    assert.deepEqual(fromMinor('EUR', -1234n), money('EUR', -12n, -340_000_000));
  });

  test('multiplies exactly, sums, rounds and formats', () => {
    const rate = money('EUR', 0n, 833_333_333); // 50 EUR/hour per minute, truncated
    const amount = multiplyMoney(rate, 90n);
    assert.equal(totalNanos(amount), 74_999_999_970n);
    assert.deepEqual(roundMoney(amount), money('EUR', 75n));
    assert.deepEqual(sumMoney('EUR', [money('EUR', 1n), money('EUR', 2n, 500_000_000)]), money('EUR', 3n, 500_000_000));
    assert.deepEqual(sumMoney('USD', []), money('USD', 0n));
    assert.equal(formatMoney(money('EUR', 12n, 500_000_000)), '12.50 EUR');
    assert.equal(formatMoney(money('EUR', -1n, -750_000_000)), '-1.75 EUR');
    assert.equal(formatMoney(money('JPY', 1500n)), '1500 JPY');
  });
});
