import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { JobLifecycleEvent_State, type JobLifecycleEvent } from '../../gen/mesh/v1/job_pb.js';
import { getContext, runWithContext } from '../../src/context/index.js';
import { JobError, QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { email, testManager, waitUntil } from './job-test-support.js';

describe('job lifecycle, counts and long jobs', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('lifecycle events carry progress and the result; waitFor resolves with COMPLETED and times out', async () => {
    const manager = testManager();
    managers.push(manager);
    const events = manager.createQueueEvents();
    await events.waitUntilReady();
    const seen: JobLifecycleEvent[] = [];
    events.on((event) => seen.push(event));
    let correlationId: string | undefined;
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => {
      correlationId = getContext()?.correlationId;
      await job.updateProgress(50);
      return new TextEncoder().encode(`sent ${job.data.notificationId}`);
    });
    await worker.waitUntilReady();
    const added = await runWithContext({ correlationId: 'saga-42' }, () => manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('n-1')));
    const completed = await events.waitFor(added.jobId, { timeoutMs: 15_000 });
    assert.equal(completed.state, JobLifecycleEvent_State.COMPLETED);
    assert.equal(new TextDecoder().decode(completed.result), 'sent n-1');
    assert.equal(correlationId, 'saga-42', 'the processor did not run in the context of addJob');
    // A waitFor after the outcome still sees it.
    assert.equal((await events.waitFor(added.jobId, { timeoutMs: 1000 })).jobId, added.jobId);
    const states = seen.filter((event) => event.jobId === added.jobId).map((event) => [event.state, event.progress]);
    assert.deepEqual(states, [
      [JobLifecycleEvent_State.ACTIVE, 0],
      [JobLifecycleEvent_State.PROGRESS, 50],
      [JobLifecycleEvent_State.COMPLETED, 0],
    ]);
    await assert.rejects(events.waitFor('never-added', { timeoutMs: 300 }), (error: unknown) => error instanceof JobError && error.code === 'WAIT_TIMEOUT');
    // A recovering process learns outcomes published before it started by reading the topic from its start.
    const late = manager.createQueueEvents({ fromBeginning: true });
    await late.waitUntilReady();
    assert.equal((await late.waitFor(added.jobId, { timeoutMs: 10_000 })).state, JobLifecycleEvent_State.COMPLETED);
  });

  test('counts: waiting is the lag, active the running jobs, delayed the pending schedules', async () => {
    const manager = testManager();
    managers.push(manager);
    for (let index = 0; index < 3; index += 1) await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`c-${index}`));
    await manager.scheduleJob(QueueNames.EMAIL_QUEUE, 'send-email', email('later'), new Date(Date.now() + 3_600_000));
    assert.deepEqual(await manager.getJobCounts(QueueNames.EMAIL_QUEUE), { waiting: 3, active: 0, delayed: 1, failed: 0 });
    // A recurring job is upserted by id and removed by id.
    await manager.scheduleRecurringJob(QueueNames.EMAIL_QUEUE, 'send-email', email('digest'), '0 8 * * *', { id: 'daily-digest', tz: 'America/New_York' });
    await manager.scheduleRecurringJob(QueueNames.EMAIL_QUEUE, 'send-email', email('digest'), '0 9 * * *', { id: 'daily-digest', tz: 'America/New_York' });
    assert.equal((await manager.getJobCounts(QueueNames.EMAIL_QUEUE)).delayed, 2);
    await manager.removeRecurringJob('daily-digest');
    assert.equal((await manager.getJobCounts(QueueNames.EMAIL_QUEUE)).delayed, 1);
    await assert.rejects(
      manager.scheduleRecurringJob(QueueNames.EMAIL_QUEUE, 'send-email', email('x'), 'not a cron', { id: 'bad' }),
      (error: unknown) => error instanceof JobError && error.code === 'INVALID_OPTION',
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let done = 0;
    const worker = manager.createWorker(
      QueueNames.EMAIL_QUEUE,
      async () => {
        await gate;
        done += 1;
      },
      { concurrency: 2 },
    );
    await worker.waitUntilReady();
    await waitUntil('two jobs active', () => worker.activeCount() === 2);
    assert.equal((await manager.getJobCounts(QueueNames.EMAIL_QUEUE)).active, 2);
    release();
    await waitUntil('all done', () => done === 3);
    await waitUntil('lag committed', async () => (await manager.getJobCounts(QueueNames.EMAIL_QUEUE)).waiting === 0);
  });

  test('a job longer than the session timeout keeps the group alive, also while fetching is blocked', async () => {
    const manager = testManager();
    managers.push(manager);
    const runs: string[] = [];
    const worker = manager.createWorker(
      QueueNames.EMAIL_QUEUE,
      async (job) => {
        runs.push(job.data.notificationId);
        if (job.data.notificationId === 'long') await sleep(7500);
      },
      // One buffered job: the second record waits for admission inside the batch, where only the worker's own heartbeats run.
      { concurrency: 1, maxBufferedJobs: 1, sessionTimeout: 6000, heartbeatInterval: 1000 },
    );
    const joins: number[][] = [];
    worker.onGroupJoin((partitions) => joins.push(partitions));
    await worker.waitUntilReady();
    await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('long'), { key: 'k' });
    await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('short'), { key: 'k' });
    await waitUntil('both ran', () => runs.length === 2, 20_000);
    await sleep(300);
    assert.deepEqual(runs, ['long', 'short']);
    assert.equal(joins.length, 1, `the worker rejoined its group ${joins.length - 1} time(s)`);
  });
});
