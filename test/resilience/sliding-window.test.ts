import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSlidingWindow } from '../../src/resilience/index.js';
import { createFakeClock } from './fake-clock.js';

describe('createSlidingWindow', () => {
  const make = (clock = createFakeClock(0)) =>
    createSlidingWindow({ keys: ['a', 'b'], windowMs: 1000, buckets: 4, now: clock.now });

  test('sums per key and ages buckets out', () => {
    const clock = createFakeClock(0);
    const window = make(clock);
    window.add('a');
    window.add('a', 2);
    window.add('b');
    clock.advance(500);
    window.add('a');
    assert.equal(window.sum('a'), 4);
    assert.equal(window.sum('b'), 1);
    clock.set(999);
    assert.equal(window.sum('a'), 4);
    clock.set(1000); // the bucket [0, 250) has left the window
    assert.equal(window.sum('a'), 1);
    assert.equal(window.sum('b'), 0);
    clock.set(1500);
    assert.equal(window.sum('a'), 0);
  });

  test('reuses ring slots without leaking old counts', () => {
    const clock = createFakeClock(0);
    const window = make(clock);
    for (let t = 0; t < 10_000; t += 50) {
      clock.set(t);
      window.add('a');
    }
    // The last clock value is 9950: the 4 buckets of 250 ms from 9000 hold 5 events each.
    assert.equal(window.sum('a'), 4 * 5);
    assert.equal(window.toJSON().buckets.length, 4);
    clock.set(10_000);
    assert.equal(window.sum('a'), 3 * 5);
  });

  test('restores from a snapshot with the same bucket size', () => {
    const clock = createFakeClock(0);
    const window = make(clock);
    window.add('a', 3);
    clock.advance(300);
    window.add('b', 2);
    const restored = createSlidingWindow({
      keys: ['a', 'b'],
      windowMs: 1000,
      buckets: 4,
      now: clock.now,
      initial: JSON.parse(JSON.stringify(window.toJSON())),
    });
    assert.equal(restored.sum('a'), 3);
    assert.equal(restored.sum('b'), 2);
    clock.advance(800);
    assert.equal(restored.sum('a'), 0);
    assert.equal(restored.sum('b'), 2);
  });

  test('ignores buckets from the future after the clock goes back', () => {
    const clock = createFakeClock(10_000);
    const window = make(clock);
    window.add('a');
    clock.set(5_000);
    assert.equal(window.sum('a'), 0);
    window.add('a');
    assert.equal(window.sum('a'), 1);
  });
});
