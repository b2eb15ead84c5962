import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTokenBucket, ReplayErrorCode } from '../../src/replay/index.js';

describe('createTokenBucket', { timeout: 60_000 }, () => {
  test('n single tokens at r/s take at least (n - burst) / r seconds', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 100 });
    const started = performance.now();
    for (let i = 0; i < 11; i++) await bucket.take();
    assert.ok(performance.now() - started >= 100, 'ten intervals of 10 ms');
  });

  test('a batch larger than the burst waits for its share of time, and late timers lose no tokens', async () => {
    let idle = 0;
    const waits: number[] = [];
    const bucket = createTokenBucket({ ratePerSecond: 50, burst: 2, now: () => performance.now() + idle });
    const measure = async (count: number) => {
      const before = performance.now();
      await bucket.take(count);
      waits.push(performance.now() - before);
    };
    await measure(2);
    await measure(3);
    assert.ok(waits[0]! < 15, 'the burst is free');
    assert.ok(waits[1]! >= 59, `3 tokens at 50/s wait 60 ms, waited ${waits[1]}`);
    idle = 10_000;
    await measure(2);
    assert.ok(waits[2]! < 15, 'idle time refills up to the burst only');
  });

  test('refuses a rate that is not positive', () => {
    assert.throws(() => createTokenBucket({ ratePerSecond: 0 }), { code: ReplayErrorCode.INVALID_ARGUMENT });
  });

  test('an abort stops the wait with the signal reason', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 1 });
    await bucket.take();
    const reason = new Error('stop');
    await assert.rejects(bucket.take(1, AbortSignal.abort(reason)), reason);
  });
});
