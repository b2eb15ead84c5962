import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Mutex } from '../../../src/services/shared/mutex.js';

describe('Mutex', () => {
  test('runs sections one at a time, in call order, and a failed section does not block the next', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const section = (name: string, ms: number, fail = false) =>
      mutex.runExclusive(async () => {
        log.push(`${name}:start`);
        await delay(ms);
        log.push(`${name}:end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([section('a', 30), section('b', 1, true), section('c', 1)]);
    assert.deepEqual(log, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await mutex.runExclusive(() => 'sync'), 'sync');
  });
});
