// Property-based tests of the backoff maths and the retry budget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { computeBackoff, computeBackoffCap, createRetryBudget, delayWithinDeadline, type BackoffOptions, type Jitter } from '../../src/resilience/index.js';
import { createFakeClock } from './fake-clock.js';

/** NUM_RUNS keeps each property well under a second. */
const NUM_RUNS = 500;

const backoffOptions: fc.Arbitrary<Required<Omit<BackoffOptions, 'random'>>> = fc.record({
  initialDelay: fc.double({ min: 0, max: 1e6, noNaN: true }),
  maxDelay: fc.double({ min: 0, max: 1e7, noNaN: true }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  jitter: fc.constantFrom<Jitter>('full', 'equal', 'none'),
});
const attempt = fc.integer({ min: 0, max: 2000 });
// Any double, even outside [0, 1): a misbehaving random source must not push a delay out of range.
const randomValue = fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ noNaN: true }));

describe('backoff, properties', () => {
  test('every delay lies within [0, min(maxDelay, cap)], and within the jitter band of its cap', () => {
    fc.assert(
      fc.property(backoffOptions, attempt, randomValue, (options, n, r) => {
        const cap = computeBackoffCap(n, options);
        const delay = computeBackoff(n, { ...options, random: () => r });
        assert.ok(cap >= 0 && cap <= options.maxDelay, `cap ${cap} within [0, ${options.maxDelay}]`);
        assert.ok(delay >= 0 && delay <= cap, `delay ${delay} within [0, ${cap}]`);
        if (options.jitter === 'none') assert.equal(delay, cap);
        if (options.jitter === 'equal') assert.ok(delay >= cap / 2, `equal jitter ${delay} at least half of ${cap}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the cap follows the exponential envelope: min(maxDelay, initialDelay × multiplier^attempt), never decreasing', () => {
    fc.assert(
      fc.property(backoffOptions, fc.integer({ min: 0, max: 200 }), (options, n) => {
        const cap = computeBackoffCap(n, options);
        const next = computeBackoffCap(n + 1, options);
        assert.ok(next >= cap, `cap(${n + 1}) = ${next} >= cap(${n}) = ${cap}`);
        // Rounding: relative for normal numbers, a few subnormal steps near zero.
        const tolerance = 1e-12 * next + 1e-322;
        assert.ok(next <= cap * options.multiplier + tolerance, 'grows by at most the multiplier per attempt');
        const exact = Math.min(options.maxDelay, options.initialDelay * options.multiplier ** n);
        assert.ok(Math.abs(cap - (options.initialDelay === 0 ? 0 : exact)) <= 1e-9 * Math.max(1, exact));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a delay fitted to a deadline never runs past it: delay + minAttemptTime <= remaining, or no attempt at all', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.option(fc.double({ min: -1e3, max: 1e6, noNaN: true }), { nil: undefined }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        (delay, remaining, minAttemptTime) => {
          const fitted = delayWithinDeadline(delay, remaining, { minAttemptTime });
          if (remaining === undefined) {
            assert.equal(fitted, delay, 'without a deadline the delay is kept');
            return;
          }
          if (remaining <= 0 || remaining < minAttemptTime) {
            assert.equal(fitted, undefined, 'no time left for an attempt');
            return;
          }
          assert.ok(fitted !== undefined && fitted >= 0 && fitted <= delay, `fitted ${fitted} within [0, ${delay}]`);
          assert.ok(fitted + minAttemptTime <= remaining + 1e-9, `${fitted} + ${minAttemptTime} <= ${remaining}`);
          if (delay + minAttemptTime <= remaining) assert.equal(fitted, delay, 'a delay that fits is not shortened');
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

type BudgetOp = { kind: 'request' } | { kind: 'retry' } | { kind: 'advance'; ms: number };

const budgetOp: fc.Arbitrary<BudgetOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'request' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'retry' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((ms) => ({ kind: 'advance' as const, ms })) },
);

describe('retry budget, properties', () => {
  test('retries granted within any window never exceed retryRatio × requests in the TTL + the floor', () => {
    fc.assert(
      fc.property(
        fc.record({
          retryRatio: fc.double({ min: 0, max: 2, noNaN: true }),
          minRetriesPerSecond: fc.double({ min: 0, max: 5, noNaN: true }),
          ttlMs: fc.integer({ min: 100, max: 10_000 }),
          buckets: fc.integer({ min: 1, max: 10 }),
        }),
        fc.array(budgetOp, { maxLength: 300 }),
        (options, ops) => {
          const clock = createFakeClock();
          const budget = createRetryBudget({ ...options, now: clock.now });
          const floor = options.minRetriesPerSecond * (options.ttlMs / 1000);
          const bucketMs = options.ttlMs / options.buckets;
          const requests: number[] = [];
          const granted: number[] = [];
          for (const op of ops) {
            if (op.kind === 'advance') clock.advance(op.ms);
            else if (op.kind === 'request') {
              budget.recordRequest();
              requests.push(clock.now());
            } else if (budget.tryWithdraw()) {
              const now = clock.now();
              granted.push(now);
              // Every retry granted in the last ttl - bucketMs is still inside the budget's window,
              // and the window never holds a request older than ttl: an independent upper bound.
              const recentRetries = granted.filter((t) => t > now - (options.ttlMs - bucketMs)).length;
              const windowRequests = requests.filter((t) => t > now - options.ttlMs).length;
              assert.ok(recentRetries <= options.retryRatio * windowRequests + floor + 1e-9, `${recentRetries} retries against ${windowRequests} requests (ratio ${options.retryRatio}, floor ${floor})`);
            }
            const stats = budget.stats;
            assert.ok(stats.retries <= stats.allowance + 1e-9, `retries ${stats.retries} within allowance ${stats.allowance}`);
            assert.ok(stats.available >= 0 && stats.available <= Math.max(0, stats.allowance - stats.retries) + 1e-9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('with no traffic history, exactly floor(floor) retries are granted at once, and none more', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 20, noNaN: true }), fc.integer({ min: 100, max: 10_000 }), (minRetriesPerSecond, ttlMs) => {
        const clock = createFakeClock();
        const budget = createRetryBudget({ minRetriesPerSecond, ttlMs, retryRatio: 0.2, now: clock.now });
        let granted = 0;
        while (budget.tryWithdraw() && granted < 1e5) granted++;
        assert.equal(granted, Math.floor(minRetriesPerSecond * (ttlMs / 1000)));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
