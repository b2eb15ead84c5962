import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
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
    const bucket = createTokenBucket({ ratePerSecond: 50, burst: 2, now: () => performance.now() + idle });
    // A take that needs no sleep settles within microtasks, before the next event-loop turn,
    // however loaded the machine is; any sleep (at least 1 ms of timer) settles after it.
    const settlesWithoutWaiting = (count: number) => Promise.race([bucket.take(count).then(() => true), nextTurn(false)]);
    assert.equal(await settlesWithoutWaiting(2), true, 'the burst is free');
    const before = performance.now();
    await bucket.take(3);
    const waited = performance.now() - before;
    assert.ok(waited >= 59, `3 tokens at 50/s wait 60 ms, waited ${waited}`);
    idle = 10_000;
    assert.equal(await settlesWithoutWaiting(2), true, 'idle time refills up to the burst');
    assert.equal(await settlesWithoutWaiting(1), false, 'but only up to the burst');
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
