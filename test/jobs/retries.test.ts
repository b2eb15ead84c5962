import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { JobError, jobTopics, QueueNames, UnrecoverableJobError, type QueueManager } from '../../src/jobs/index.js';
import { testKafka } from '../support/kafka.js';
import { email, TEST_RETRY_TIERS, testManager, waitUntil } from './job-test-support.js';

// kafkajs is CommonJS: Node's ESM loader cannot see this export by name.
const { ConfigResourceTypes } = kafkajs;

const isJobError = (code: string) => (error: unknown) => error instanceof JobError && error.code === code;

describe('job retries and dead letters', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('a failing job retries with growing delays, then lands in the DLQ with its error; a later job on its partition is not held up', async () => {
    const manager = testManager();
    managers.push(manager);
    const events = manager.createQueueEvents();
    await events.waitUntilReady();
    const attempts: number[] = [];
    let laterDoneAt = 0;
    const worker = manager.createWorker(
      QueueNames.EMAIL_QUEUE,
      async (job) => {
        if (job.data.notificationId === 'later') {
          laterDoneAt = Date.now();
          return;
        }
        attempts.push(Date.now());
        throw new Error(`smtp refused (attempt ${job.attempt})`);
      },
      { concurrency: 4 },
    );
    await worker.waitUntilReady();
    const backoff = { initialDelay: 300, multiplier: 2, maxDelay: 5000, jitter: 'none' as const };
    const failing = await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('failing'), { key: 'same', attempts: 4, backoff });
    // Same key, so same partition, added right after the failing one.
    await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('later'), { key: 'same' });
    const outcome = events.waitFor(failing.jobId, { timeoutMs: 20_000 });
    await assert.rejects(outcome, (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTERED' && /attempt 4/.test(error.message));
    assert.equal(attempts.length, 4);
    const gaps = attempts.slice(1).map((at, index) => at - attempts[index]!);
    process.stdout.write(`# retry gaps: ${gaps.join(', ')} ms\n`);
    // Lower bounds only: each gap is at least its backoff step (300, 600, 1200 ms), which
    // shows the growth; comparing gaps with each other fails when load delays one of them.
    assert.ok(gaps[0]! >= 300 && gaps[1]! >= 600 && gaps[2]! >= 1200, `gaps ${gaps.join(', ')} shorter than the backoff`);
    assert.ok(laterDoneAt > 0 && laterDoneAt < attempts[1]!, 'the later job waited for the retries');
    const dead = await manager.listDeadLetters(QueueNames.EMAIL_QUEUE);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.jobId, failing.jobId);
    assert.equal(dead[0]!.errorCode, 'JOB_FAILED');
    assert.equal(dead[0]!.attempts, 4);
    assert.match(dead[0]!.errorMessage, /smtp refused \(attempt 4\)/);
    assert.equal(dead[0]!.data?.notificationId, 'failing');
    const counts = await manager.getJobCounts(QueueNames.EMAIL_QUEUE);
    assert.equal(counts.failed, 1);
  });

  test('UnrecoverableJobError dead-letters at once; a dead letter can be retried and removed', async () => {
    const manager = testManager();
    managers.push(manager);
    const events = manager.createQueueEvents();
    await events.waitUntilReady();
    const runs = new Map<string, number>();
    const worker = manager.createWorker(QueueNames.SMS_QUEUE, async (job) => {
      const count = (runs.get(job.id) ?? 0) + 1;
      runs.set(job.id, count);
      if (count === 1) throw new UnrecoverableJobError('bad phone number');
    });
    await worker.waitUntilReady();
    const sms = (id: string) => ({ $typeName: 'notification.v1.SendSmsJob' as const, notificationId: id, userId: 'u', phoneNumber: '+100', body: 'hi' });
    const first = await manager.addJob(QueueNames.SMS_QUEUE, 'send-sms', sms('a'), { attempts: 5 });
    const second = await manager.addJob(QueueNames.SMS_QUEUE, 'send-sms', sms('b'), { attempts: 5 });
    for (const job of [first, second]) {
      await assert.rejects(events.waitFor(job.jobId, { timeoutMs: 15_000 }), (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTERED');
    }
    assert.equal(runs.get(first.jobId), 1);
    let dead = await manager.listDeadLetters(QueueNames.SMS_QUEUE);
    assert.deepEqual(dead.map((job) => [job.jobId, job.errorCode, job.attempts]).sort(), [[first.jobId, 'UNRECOVERABLE', 1], [second.jobId, 'UNRECOVERABLE', 1]].sort());
    const retried = events.waitFor(first.jobId, { timeoutMs: 15_000, since: new Date() });
    await manager.retryDeadLetter(QueueNames.SMS_QUEUE, first.jobId);
    await retried;
    assert.equal(runs.get(first.jobId), 2);
    await manager.removeDeadLetter(QueueNames.SMS_QUEUE, second.jobId);
    dead = await manager.listDeadLetters(QueueNames.SMS_QUEUE);
    assert.deepEqual(dead, []);
    await assert.rejects(manager.removeDeadLetter(QueueNames.SMS_QUEUE, second.jobId), (error: unknown) => error instanceof JobError && error.code === 'NOT_FOUND');
    await waitUntil('no job active', () => worker.activeCount() === 0);
  });

  test('a dead letter too large for its topic is cut to fit: listed as unreadable, refused by retry, removable; the queue goes on', async () => {
    const manager = testManager();
    managers.push(manager);
    const events = manager.createQueueEvents();
    await events.waitUntilReady();
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => {
      if (job.data.notificationId === 'huge') throw new UnrecoverableJobError('template too large to render');
    });
    await worker.waitUntilReady();
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const dlqTopic = jobTopics(QueueNames.EMAIL_QUEUE, manager.topicPrefix, TEST_RETRY_TIERS).deadLetter;
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: dlqTopic, configEntries: [{ name: 'max.message.bytes', value: '16384' }] }] });
    } finally {
      await admin.disconnect();
    }
    // 40 kB fits the queue's topic but not its dead-letter topic.
    const huge = await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('huge', { body: 'x'.repeat(40_000) }));
    await assert.rejects(events.waitFor(huge.jobId, { timeoutMs: 15_000 }), isJobError('DEAD_LETTERED'));
    const later = await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email('later'));
    await events.waitFor(later.jobId, { timeoutMs: 15_000 });

    const dead = await manager.listDeadLetters(QueueNames.EMAIL_QUEUE);
    assert.deepEqual(dead.map((job) => [job.jobId, job.name, job.errorCode, job.errorMessage]), [[huge.jobId, 'send-email', 'UNRECOVERABLE', 'template too large to render']]);
    assert.equal(dead[0]!.data, undefined);
    assert.match(dead[0]!.unreadable ?? '', /cut to fit the dead-letter topic \(\d+ bytes originally\)/);
    await assert.rejects(manager.retryDeadLetter(QueueNames.EMAIL_QUEUE, huge.jobId), isJobError('DEAD_LETTER_UNREADABLE'));
    await manager.removeDeadLetter(QueueNames.EMAIL_QUEUE, huge.jobId);
    assert.deepEqual(await manager.listDeadLetters(QueueNames.EMAIL_QUEUE), []);
  });
});
