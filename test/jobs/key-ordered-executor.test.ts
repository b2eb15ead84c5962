import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { KeyOrderedExecutor } from '../../src/jobs/key-ordered-executor.js';
import { PartitionTracker } from '../../src/jobs/partition-tracker.js';

describe('KeyOrderedExecutor', () => {
  test('runs one task per key at a time, in order, and different keys in parallel up to the limit', async () => {
    const executor = new KeyOrderedExecutor(3);
    const log: string[] = [];
    let running = 0;
    let max = 0;
    for (const key of ['a', 'b', 'a', undefined, 'c', 'a', 'd']) {
      executor.submit(key, async () => {
        running += 1;
        max = Math.max(max, running);
        log.push(`start ${key}`);
        await sleep(20);
        log.push(`end ${key}`);
        running -= 1;
      });
    }
    await executor.idle();
    assert.equal(max, 3);
    const aEvents = log.filter((entry) => entry.endsWith(' a'));
    assert.deepEqual(aEvents, ['start a', 'end a', 'start a', 'end a', 'start a', 'end a']);
  });

  test('drop forgets tasks that did not start', async () => {
    const executor = new KeyOrderedExecutor(1);
    const ran: number[] = [];
    for (const index of [1, 2, 3]) {
      executor.submit('k', async () => {
        ran.push(index);
        await sleep(20);
      });
    }
    executor.drop();
    await executor.idle();
    assert.deepEqual(ran, [1]);
  });
});

describe('PartitionTracker', () => {
  test('commits only below the lowest unfinished offset and remembers finished offsets above it', () => {
    const tracker = new PartitionTracker();
    for (const offset of [10n, 11n, 12n, 13n]) tracker.take(offset);
    tracker.finish(11n);
    tracker.finish(13n);
    assert.equal(tracker.committable(), 10n);
    assert.equal(tracker.seen(11n), true);
    assert.equal(tracker.seen(14n), false);
    tracker.finish(10n);
    assert.equal(tracker.committable(), 12n);
    assert.equal(tracker.seen(9n), true, 'below the floor counts as seen');
    tracker.finish(12n);
    assert.equal(tracker.committable(), 14n);
    assert.equal(tracker.running, 0);
  });
});
