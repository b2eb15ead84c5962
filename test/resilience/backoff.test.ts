import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  computeBackoff,
  computeBackoffCap,
  DEFAULT_MAX_DELAY,
  DEFAULT_MIN_ATTEMPT_TIME,
  delayWithinDeadline,
} from '../../src/resilience/index.js';
import { seededRandom } from './fake-clock.js';

describe('computeBackoffCap', () => {
  test('grows by the multiplier from initialDelay and stops at maxDelay', () => {
    const caps = Array.from({ length: 10 }, (_, attempt) => computeBackoffCap(attempt));
    assert.deepEqual(caps, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
    assert.equal(computeBackoffCap(2, { initialDelay: 50, multiplier: 3, maxDelay: 400 }), 400);
    assert.equal(computeBackoffCap(1, { initialDelay: 50, multiplier: 3, maxDelay: 400 }), 150);
  });

  test('is monotone and finite for very large attempts', () => {
    let previous = 0;
    for (let attempt = 0; attempt <= 5000; attempt++) {
      const cap = computeBackoffCap(attempt, { multiplier: 1.5 });
      assert.ok(cap >= previous, `cap(${attempt}) = ${cap} < ${previous}`);
      assert.ok(Number.isFinite(cap));
      previous = cap;
    }
    assert.equal(previous, DEFAULT_MAX_DELAY);
    assert.equal(computeBackoffCap(5000, { initialDelay: 0 }), 0);
  });

  test('rejects invalid input', () => {
    assert.throws(() => computeBackoffCap(-1), RangeError);
    assert.throws(() => computeBackoffCap(1.5), RangeError);
    assert.throws(() => computeBackoffCap(0, { multiplier: 0.5 }), RangeError);
    assert.throws(() => computeBackoffCap(0, { maxDelay: Number.NaN }), RangeError);
  });
});

describe('computeBackoff', () => {
  test('full jitter stays within [0, cap) and covers the range', () => {
    const random = seededRandom(42);
    for (let attempt = 0; attempt < 12; attempt++) {
      const cap = computeBackoffCap(attempt);
      let low = Infinity;
      let high = -Infinity;
      for (let i = 0; i < 500; i++) {
        const delay = computeBackoff(attempt, { random });
        assert.ok(delay >= 0 && delay < cap, `attempt ${attempt}: ${delay} outside [0, ${cap})`);
        low = Math.min(low, delay);
        high = Math.max(high, delay);
      }
      // 500 uniform samples leave gaps of well under 5% at either end.
      assert.ok(low < cap * 0.05 && high > cap * 0.95, `attempt ${attempt}: [${low}, ${high}] does not spread over [0, ${cap})`);
    }
  });

  test('equal jitter stays within [cap/2, cap], none returns the cap', () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 10; attempt++) {
      const cap = computeBackoffCap(attempt);
      for (let i = 0; i < 200; i++) {
        const delay = computeBackoff(attempt, { jitter: 'equal', random });
        assert.ok(delay >= cap / 2 && delay <= cap, `${delay} outside [${cap / 2}, ${cap}]`);
      }
      assert.equal(computeBackoff(attempt, { jitter: 'none', random }), cap);
    }
  });

  test('maps the random value linearly and clamps a misbehaving source', () => {
    assert.equal(computeBackoff(3, { random: () => 0.25 }), 200);
    assert.equal(computeBackoff(3, { jitter: 'equal', random: () => 0.5 }), 600);
    assert.equal(computeBackoff(3, { random: () => 7 }), 800);
    assert.equal(computeBackoff(3, { random: () => -1 }), 0);
  });
});

describe('delayWithinDeadline', () => {
  test('keeps a delay that leaves room for an attempt', () => {
    assert.equal(delayWithinDeadline(300, 1000), 300);
    assert.equal(delayWithinDeadline(300, 300 + DEFAULT_MIN_ATTEMPT_TIME), 300);
    assert.equal(delayWithinDeadline(300, undefined), 300);
  });

  test('clips a delay that would run past the deadline', () => {
    assert.equal(delayWithinDeadline(800, 500), 500 - DEFAULT_MIN_ATTEMPT_TIME);
    assert.equal(delayWithinDeadline(800, 500, { minAttemptTime: 100 }), 400);
    assert.equal(delayWithinDeadline(800, 100, { minAttemptTime: 100 }), 0);
  });

  test('never returns a delay past the deadline', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const delay = computeBackoff(i % 12, { random });
      const remaining = random() * 3000 - 500;
      const fitted = delayWithinDeadline(delay, remaining);
      if (fitted === undefined) {
        assert.ok(remaining < DEFAULT_MIN_ATTEMPT_TIME, `refused although ${remaining} ms remained`);
      } else {
        assert.ok(fitted + DEFAULT_MIN_ATTEMPT_TIME <= remaining && fitted <= delay && fitted >= 0);
      }
    }
  });

  test('returns undefined when no attempt fits', () => {
    assert.equal(delayWithinDeadline(100, DEFAULT_MIN_ATTEMPT_TIME - 1), undefined);
    assert.equal(delayWithinDeadline(100, 0, { minAttemptTime: 0 }), undefined);
    assert.equal(delayWithinDeadline(100, -50), undefined);
    assert.equal(delayWithinDeadline(100, Number.NaN), undefined);
  });
});
