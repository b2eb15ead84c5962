import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRetryBudget } from '../../src/resilience/index.js';
import { createFakeClock } from './fake-clock.js';

describe('createRetryBudget', () => {
  test('under a total outage, retries stay within ratio × requests + floor', () => {
    const clock = createFakeClock();
    const budget = createRetryBudget({ now: clock.now });
    let retries = 0;
    // 1000 requests at the same instant, each failing and wanting 3 retries.
    for (let i = 0; i < 1000; i++) {
      budget.recordRequest();
      for (let attempt = 0; attempt < 3; attempt++) if (budget.tryWithdraw()) retries++;
    }
    // 0.2 × 1000 + 10/s × 10 s
    assert.equal(retries, 300);
    assert.deepEqual(budget.stats, { requests: 1000, retries: 300, allowance: 300, available: 0 });
    assert.equal(budget.tryWithdraw(), false);
  });

  test('over a long outage every window respects the budget and the steady ratio is ratio + floor/rate', () => {
    const clock = createFakeClock(0);
    const ttlMs = 10_000;
    const budget = createRetryBudget({ now: clock.now, ttlMs, buckets: 10 });
    // Independent tally per second (= one bucket), to check the budget's own arithmetic.
    const perSecond: Array<{ requests: number; retries: number }> = [];
    for (let second = 0; second < 60; second++) {
      const tally = { requests: 0, retries: 0 };
      perSecond.push(tally);
      for (let i = 0; i < 100; i++) {
        clock.set(second * 1000 + i * 10);
        budget.recordRequest();
        tally.requests++;
        for (let attempt = 0; attempt < 3; attempt++) {
          if (budget.tryWithdraw()) tally.retries++;
        }
        const last10 = perSecond.slice(-10);
        const requests = last10.reduce((sum, t) => sum + t.requests, 0);
        const retries = last10.reduce((sum, t) => sum + t.retries, 0);
        assert.ok(retries <= 0.2 * requests + 100, `t=${clock.now()}: ${retries} retries for ${requests} requests`);
      }
    }
    // After the first window the budget settles at 0.2 + (10 retries/s ÷ 100 requests/s).
    const steady = perSecond.slice(10);
    const requests = steady.reduce((sum, t) => sum + t.requests, 0);
    const retries = steady.reduce((sum, t) => sum + t.retries, 0);
    assert.ok(retries / requests <= 0.3 + 1e-9, `steady ratio ${retries / requests}`);
    assert.ok(retries / requests >= 0.29, `budget starves retries: ${retries / requests}`);
  });

  test('the floor allows retries for a target with no traffic', () => {
    const clock = createFakeClock();
    const budget = createRetryBudget({ now: clock.now, minRetriesPerSecond: 2, ttlMs: 5_000 });
    let granted = 0;
    // Bounded, so that a budget that never says no fails the test instead of hanging it.
    while (granted < 1000 && budget.tryWithdraw()) granted++;
    assert.equal(granted, 10);
  });

  test('recovers once the TTL has passed', () => {
    const clock = createFakeClock();
    const budget = createRetryBudget({ now: clock.now });
    for (let i = 0; i < 50; i++) budget.recordRequest();
    for (let i = 0; i < 1000 && budget.tryWithdraw(); i++);
    assert.equal(budget.stats.retries, 110);
    assert.equal(budget.tryWithdraw(), false);
    clock.advance(5_000);
    assert.equal(budget.tryWithdraw(), false, 'still exhausted halfway through the TTL');
    clock.advance(5_000);
    assert.deepEqual(budget.stats, { requests: 0, retries: 0, allowance: 100, available: 100 });
    assert.equal(budget.tryWithdraw(), true);
  });

  test('a zero budget never allows a retry', () => {
    const budget = createRetryBudget({ retryRatio: 0, minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    assert.equal(budget.tryWithdraw(), false);
  });

  test('rejects invalid options', () => {
    assert.throws(() => createRetryBudget({ retryRatio: -0.1 }), RangeError);
    assert.throws(() => createRetryBudget({ ttlMs: 0 }), RangeError);
    assert.throws(() => createRetryBudget({ buckets: 0 }), RangeError);
  });
});
