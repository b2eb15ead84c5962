import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abortableSleep } from '../../src/resilience/index.js';

describe('abortableSleep', () => {
  test('resolves after the delay', async () => {
    const started = performance.now();
    await abortableSleep(5);
    assert.ok(performance.now() - started >= 4);
  });

  test('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline exceeded');
    const started = performance.now();
    const sleeping = abortableSleep(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 2);
    await assert.rejects(sleeping, (error) => error === reason);
    assert.ok(performance.now() - started < 1000);
  });

  test('does not wake up early for delays beyond the 32-bit timer limit', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(2 ** 32, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 5);
    await assert.rejects(sleeping, /stop/);
  });

  test('rejects at once for an already aborted signal', async () => {
    const reason = new Error('cancelled');
    await assert.rejects(abortableSleep(10_000, AbortSignal.abort(reason)), (error) => error === reason);
  });
});
