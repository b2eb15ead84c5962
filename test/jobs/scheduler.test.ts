import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { AnalyticsEventJobSchema } from '../../gen/cockpit/v1/cockpit_jobs_pb.js';
import { headerText, JobHeaders, QueueNames, tickJobId, type QueueManager } from '../../src/jobs/index.js';
import { readTopic } from '../../src/jobs/read-topic.js';
import { createQueueBase } from '../../src/jobs/queue-base.js';
import { testKafka } from '../support/kafka.js';
import { email, testManager, waitUntil } from './job-test-support.js';

describe('job scheduler', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('delayed jobs fire not before their time; a cancelled one never fires', async () => {
    const manager = testManager();
    managers.push(manager);
    const ranAt = new Map<string, number>();
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => void ranAt.set(job.id, Date.now()), { concurrency: 4 });
    const scheduler = manager.createScheduler();
    await Promise.all([worker.waitUntilReady(), scheduler.waitUntilReady()]);
    const at = new Date(Date.now() + 1500);
    const scheduled = await manager.scheduleJob(QueueNames.EMAIL_QUEUE, 'send-email', email('scheduled'), at);
    // Read before the call: addJob measures the delay from when it runs, and it may take a while (the jobId check).
    const delayedAt = Date.now() + 1000;
    const delayed = await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('delayed'), { delay: 1000, jobId: 'delayed-1' });
    const cancelled = await manager.scheduleJob(QueueNames.EMAIL_QUEUE, 'send-email', email('cancelled'), new Date(Date.now() + 1200));
    await manager.cancelSchedule(cancelled.scheduleId);
    await waitUntil('both delayed jobs ran', () => ranAt.has(scheduled.jobId) && ranAt.has(delayed.jobId), 15_000);
    assert.ok(ranAt.get(scheduled.jobId)! >= at.getTime(), 'the scheduled job ran early');
    assert.ok(ranAt.get(delayed.jobId)! >= delayedAt - 5, 'the delayed job ran early');
    await sleep(500);
    assert.equal(ranAt.has(cancelled.jobId), false, 'the cancelled job ran');
    assert.equal(scheduler.pendingCount(), 0);
  });

  test('a recurring job (every second) with two scheduler/worker instances fires once per tick', async () => {
    const one = testManager();
    const two = testManager({ topicPrefix: one.topicPrefix });
    managers.push(one, two);
    const processed: string[] = [];
    const workers = [one, two].map((manager) => manager.createWorker(QueueNames.ANALYTICS_EVENTS, async (job) => void processed.push(job.id), { concurrency: 2 }));
    await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    const schedulers = [one.createScheduler(), two.createScheduler()];
    await Promise.all(schedulers.map((scheduler) => scheduler.waitUntilReady()));
    const event = create(AnalyticsEventJobSchema, { eventName: 'tick', userId: 'u' });
    const recurring = await one.scheduleRecurringJob(QueueNames.ANALYTICS_EVENTS, 'track-event', event, '* * * * * *', { id: 'every-second', tz: 'Europe/Berlin' });
    assert.ok(recurring.next);
    await sleep(4500);
    await two.removeRecurringJob('every-second');
    await sleep(1500);
    const base = createQueueBase({ kafka: testKafka(), topicPrefix: one.topicPrefix });
    try {
      const records = await readTopic(base, base.topics(QueueNames.ANALYTICS_EVENTS).main);
      const ids = records.map((record) => headerText(record.headers ?? {}, JobHeaders.ID)!);
      assert.equal(new Set(ids).size, ids.length, `a tick fired twice: ${ids.join(', ')}`);
      assert.ok(ids.length >= 3, `only ${ids.length} ticks in 4.5 s`);
      const ticks = ids.map((id) => Date.parse(id.slice('every-second@'.length))).sort((a, b) => a - b);
      for (const [index, tick] of ticks.entries()) {
        assert.equal(ids.includes(tickJobId('every-second', tick)), true);
        if (index > 0) assert.equal(tick - ticks[index - 1]!, 1000, 'a tick was skipped');
      }
      await waitUntil('every tick processed', () => new Set(processed).size >= ids.length);
      assert.deepEqual([...new Set(processed)].sort(), [...ids].sort());
      process.stdout.write(`# ${ids.length} ticks, ${processed.length} runs\n`);
    } finally {
      await base.close();
    }
  });
});
