import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { startChild, type Child } from '../jobs/child-process.js';
import { email, testManager } from '../jobs/job-test-support.js';
import { recordReliability } from '../support/reliability-report.js';
import { waitUntil } from '../support/wait-until.js';

/** SCHEDULES one-shot delayed jobs fall due every SPACING_MS, the first FIRST_DUE_MS after they were written. */
const SCHEDULES = 40;
const FIRST_DUE_MS = 2000;
const SPACING_MS = 250;
/** KILL_AFTER_MS is when the scheduler dies, counted from the first schedule written: about a third of them have fired. */
const KILL_AFTER_MS = 5000;

describe('job scheduler SIGKILLed under load', () => {
  const children: Child[] = [];
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('every delayed job fires exactly once, never early, across a scheduler SIGKILL and its replacement', { timeout: 180_000 }, async (t) => {
    const manager = testManager();
    managers.push(manager);
    const runs = new Map<string, number[]>();
    // The worker remembers nothing, so every fire is an effect: a double fire would show as a duplicate here.
    const worker = manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => void runs.set(job.id, [...(runs.get(job.id) ?? []), Date.now()]), {
      concurrency: 8,
      dedupeStore: { has: async () => false, add: async () => undefined },
    });
    await worker.waitUntilReady();
    const first = startChild('scheduler-process', [manager.topicPrefix]);
    children.push(first);
    await first.waitForLine(/^ready/, 60_000);

    const writtenAt = Date.now();
    const scheduled = await Promise.all(
      Array.from({ length: SCHEDULES }, (_, index) =>
        manager.scheduleJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`scheduled-${index}`), new Date(writtenAt + FIRST_DUE_MS + index * SPACING_MS)),
      ),
    );
    await sleep(Math.max(0, writtenAt + KILL_AFTER_MS - Date.now()));
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    const ranBeforeKill = runs.size;
    assert.ok(ranBeforeKill > 0 && ranBeforeKill < SCHEDULES, `killed mid-way (${ranBeforeKill} fired)`);

    const second = startChild('scheduler-process', [manager.topicPrefix]);
    children.push(second);
    await second.waitForLine(/^ready/, 60_000);
    const readyAt = Date.now();
    await waitUntil('every schedule to fire', () => scheduled.every((job) => runs.has(job.jobId)), 60_000);
    // A moment for a double fire to show up.
    await sleep(1500);

    const lost = scheduled.filter((job) => !runs.has(job.jobId)).length;
    const duplicates = [...runs.values()].reduce((sum, times) => sum + times.length - 1, 0);
    assert.equal(lost, 0);
    assert.equal(duplicates, 0, 'no schedule fired twice');
    assert.deepEqual([...runs.keys()].sort(), scheduled.map((job) => job.jobId).sort());
    for (const job of scheduled) assert.ok(runs.get(job.jobId)![0]! >= job.runAt.getTime(), `${job.jobId} ran ${job.runAt.getTime() - runs.get(job.jobId)![0]!} ms early`);
    // Recovery: from the kill until every schedule that fell due while no scheduler ran had fired.
    const dueInOutage = scheduled.filter((job) => job.runAt.getTime() >= killedAt && job.runAt.getTime() <= readyAt);
    const recoveryMs = Math.max(...dueInOutage.map((job) => runs.get(job.jobId)![0]!)) - killedAt;
    const lateness = scheduled.map((job) => runs.get(job.jobId)![0]! - job.runAt.getTime());
    t.diagnostic(`${ranBeforeKill} fired before the kill; replacement ready ${readyAt - killedAt} ms after it; ${dueInOutage.length} fell due meanwhile, all fired ${recoveryMs} ms after the kill; latest fire ${Math.max(...lateness)} ms late`);
    recordReliability({
      area: 'faults',
      faultOrInput: 'job scheduler process SIGKILLed mid-way, a new scheduler process started',
      load: `${SCHEDULES} delayed jobs falling due every ${SPACING_MS} ms over ${((SCHEDULES * SPACING_MS) / 1000).toFixed(0)} s`,
      lost,
      duplicates,
      recoveryMs,
      command: 'npm test -- test/reliability/scheduler-kill',
      notes: `counted at a worker with dedupe off, so a double fire would count; ${dueInOutage.length} fell due during the outage (includes the dead member's 6 s session), none ran early`,
    });
  });
});
