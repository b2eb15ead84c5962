import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { startChild } from './child-process.js';
import { email, testManager, waitUntil } from './job-test-support.js';

describe('job scheduler process killed', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('a job scheduled 5 s ahead does not run before its time, and runs once after its scheduler was SIGKILLed and restarted', async () => {
    const manager = testManager();
    managers.push(manager);
    const runs: { id: string; at: number }[] = [];
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => void runs.push({ id: job.id, at: Date.now() }));
    await worker.waitUntilReady();
    const first = startChild('scheduler-process', [manager.topicPrefix]);
    let second: ReturnType<typeof startChild> | undefined;
    try {
      await first.waitForLine(/^ready/);
      const at = new Date(Date.now() + 5000);
      const scheduled = await manager.scheduleJob(QueueNames.EMAIL_QUEUE, 'send-email', email('survivor'), at);
      await sleep(1000);
      await first.kill('SIGKILL');
      second = startChild('scheduler-process', [manager.topicPrefix]);
      const ready = await second.waitForLine(/^ready/);
      // The restarted scheduler read the pending schedule back from the topic (unless it already fired).
      assert.match(ready, /^ready [01]$/);
      await waitUntil('the scheduled job ran', () => runs.length > 0, 30_000);
      await sleep(1000);
      assert.deepEqual(runs.map((run) => run.id), [scheduled.jobId]);
      assert.ok(runs[0]!.at >= at.getTime(), `ran ${at.getTime() - runs[0]!.at} ms early`);
    } finally {
      await first.kill();
      await second?.kill();
    }
  });
});
