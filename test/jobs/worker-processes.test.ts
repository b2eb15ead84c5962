import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { startChild } from './child-process.js';
import { email, testManager, waitUntil } from './job-test-support.js';

describe('job worker across processes', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('a job with an existing jobId is not added twice, across processes', async () => {
    const first = testManager();
    managers.push(first);
    const runs: string[] = [];
    const worker = first.createWorker(QueueNames.EMAIL_QUEUE, async (job) => void runs.push(job.id));
    await worker.waitUntilReady();
    const a = await first.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('n1'), { jobId: 'job-1' });
    const child = startChild('add-job-process', [first.topicPrefix, 'job-1']);
    const fromChild = JSON.parse(await child.waitForLine(/^\{/)) as { added: boolean };
    await child.exited;
    const again = await first.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('n1'), { jobId: 'job-1' });
    const other = startChild('add-job-process', [first.topicPrefix, 'job-2']);
    const otherResult = JSON.parse(await other.waitForLine(/^\{/)) as { added: boolean };
    await other.exited;
    const afterChild = await first.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('n2'), { jobId: 'job-2' });
    assert.deepEqual([a.added, fromChild.added, again.added, otherResult.added, afterChild.added], [true, false, false, true, false]);
    await waitUntil('both jobs ran', () => runs.length >= 2);
    await sleep(500);
    assert.deepEqual(runs.sort(), ['job-1', 'job-2']);
  });

  test('a worker process SIGKILLed mid-job: the job runs again elsewhere and completes; nothing is lost', async () => {
    const manager = testManager();
    managers.push(manager);
    const child = startChild('worker-process', [manager.topicPrefix, '4000']);
    try {
      await child.waitForLine(/^ready$/);
      const ids: string[] = [];
      for (let index = 0; index < 6; index += 1) ids.push((await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`kill-${index}`))).jobId);
      await child.waitForLine(/^start /);
      await child.kill('SIGKILL');
      const finishedInChild = new Set(child.lines.filter((line) => line.startsWith('done ')).map((line) => line.slice(5)));
      const startedInChild = new Set(child.lines.filter((line) => line.startsWith('start ')).map((line) => line.slice(6)));
      const interrupted = [...startedInChild].filter((id) => !finishedInChild.has(id));
      assert.ok(interrupted.length > 0, 'no job was interrupted');
      const completed = new Set<string>(finishedInChild);
      const rerun = new Set<string>();
      const worker = manager.createWorker(
        QueueNames.EMAIL_QUEUE,
        async (job) => {
          rerun.add(job.id);
          await sleep(50);
          completed.add(job.id);
        },
        { concurrency: 8, sessionTimeout: 6000, heartbeatInterval: 500 },
      );
      await worker.waitUntilReady();
      await waitUntil('every job completed', () => ids.every((id) => completed.has(id)), 30_000);
      for (const id of interrupted) assert.ok(rerun.has(id), `interrupted job ${id} did not run again`);
    } finally {
      await child.kill();
    }
  });
});
