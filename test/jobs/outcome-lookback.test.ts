import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { JobLifecycleEvent_State } from '../../gen/mesh/v1/job_pb.js';
import { JobError, QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { email, testManager } from './job-test-support.js';

describe('waitFor with lookback', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('a queue events started after the outcome finds it by reading the lifecycle topic from the given time', async () => {
    const manager = testManager();
    managers.push(manager);
    const before = new Date(Date.now() - 1000);
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => {
      if (job.data.notificationId.startsWith('bad')) throw new Error(`no mailbox for ${job.data.notificationId}`);
    });
    await worker.waitUntilReady();
    const first = manager.createQueueEvents();
    await first.waitUntilReady();
    const ids: string[] = [];
    for (let index = 0; index < 20; index += 1) ids.push((await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`ok-${index}`))).jobId);
    const bad = (await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('bad-1'), { attempts: 1 })).jobId;
    await Promise.all(ids.map((id) => first.waitFor(id, { timeoutMs: 20_000 })));
    await assert.rejects(first.waitFor(bad, { timeoutMs: 20_000 }), (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTERED');
    await worker.close();

    // A new follower, as a recovering coordinator has: without lookback it does not know the outcomes.
    const late = manager.createQueueEvents();
    await late.waitUntilReady();
    await assert.rejects(late.waitFor(ids[0]!, { timeoutMs: 500 }), (error: unknown) => error instanceof JobError && error.code === 'WAIT_TIMEOUT');
    // With lookback, every concurrent lookup is answered (they share reads of the topic).
    const found = await Promise.all(ids.map((id) => late.waitFor(id, { timeoutMs: 15_000, lookback: before })));
    assert.deepEqual(found.map((event) => [event.jobId, event.state]), ids.map((id) => [id, JobLifecycleEvent_State.COMPLETED]));
    await assert.rejects(late.waitFor(bad, { timeoutMs: 15_000, lookback: before }), (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTERED');
    // A lookback that starts after the outcome does not find it.
    const fresh = manager.createQueueEvents();
    await fresh.waitUntilReady();
    await assert.rejects(fresh.waitFor(ids[1]!, { timeoutMs: 2_000, lookback: new Date(Date.now() + 60_000) }), (error: unknown) => error instanceof JobError && error.code === 'WAIT_TIMEOUT');
  });
});
