import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { email, testManager, waitUntil } from './job-test-support.js';

describe('job worker', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('concurrency 20 on 3 partitions: same-key jobs never overlap and run in order, different keys run in parallel', async () => {
    const manager = testManager({ partitions: 3 });
    managers.push(manager);
    const keys = Array.from({ length: 10 }, (_, index) => `user-${index}`);
    const perKey = 6;
    const runningByKey = new Map<string, number>();
    const orderByKey = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    let keyOverlap = false;
    let done = 0;
    const worker = manager.createWorker(
      QueueNames.EMAIL_QUEUE,
      async (job) => {
        const key = job.key!;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        if ((runningByKey.get(key) ?? 0) > 0) keyOverlap = true;
        runningByKey.set(key, (runningByKey.get(key) ?? 0) + 1);
        orderByKey.set(key, [...(orderByKey.get(key) ?? []), Number(job.data.variables.seq)]);
        await sleep(60);
        runningByKey.set(key, runningByKey.get(key)! - 1);
        running -= 1;
        done += 1;
      },
      { concurrency: 20 },
    );
    await worker.waitUntilReady();
    const adds = [];
    for (let seq = 0; seq < perKey; seq += 1) {
      for (const key of keys) adds.push(manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`${key}-${seq}`, { seq: String(seq) }), { key }));
    }
    await Promise.all(adds);
    await waitUntil('all jobs done', () => done === keys.length * perKey);
    assert.equal(keyOverlap, false, 'two jobs of one key overlapped');
    for (const key of keys) assert.deepEqual(orderByKey.get(key), [0, 1, 2, 3, 4, 5], `order of ${key}`);
    // 10 keys over 3 partitions: more than 3 at once shows parallelism beyond the partition count.
    assert.ok(maxRunning > 3, `max overlap was ${maxRunning}`);
    process.stdout.write(`# max concurrent jobs: ${maxRunning}\n`);
  });

  test('close waits for the running job and commits it: the next worker does not run it again', async () => {
    const manager = testManager();
    managers.push(manager);
    const runs: string[] = [];
    let finishedAt = 0;
    const first = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => {
      runs.push(job.data.notificationId);
      await sleep(1000);
      finishedAt = Date.now();
    });
    await first.waitUntilReady();
    await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('slow'));
    await waitUntil('the job started', () => runs.length === 1);
    await first.close();
    assert.ok(finishedAt > 0 && finishedAt <= Date.now(), 'close returned before the running job finished');
    const second = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => void runs.push(job.data.notificationId));
    await second.waitUntilReady();
    await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('next'));
    await waitUntil('the next job ran', () => runs.includes('next'));
    assert.deepEqual(runs, ['slow', 'next']);
  });
});
