import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { startChild, type Child } from '../jobs/child-process.js';
import { email, testManager } from '../jobs/job-test-support.js';
import { readLines, tallyEffects } from '../support/effect-log.js';
import { recordReliability } from '../support/reliability-report.js';
import { waitUntil } from '../support/wait-until.js';

/** JOBS are added at RATE per second, faster than the worker runs them (JOB_MS each, CONCURRENCY at a time), so it is busy when killed. */
const JOBS = 400;
const RATE = 200;
const JOB_MS = 50;
const CONCURRENCY = '8';

describe('job worker SIGKILLed under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-kill-'));
  const children: Child[] = [];
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await Promise.all(managers.map((manager) => manager.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('every job added has exactly one effect after the worker process was SIGKILLed mid-stream and replaced', { timeout: 180_000 }, async (t) => {
    const manager = testManager();
    managers.push(manager);
    const effectsFile = join(dir, 'effects');
    const duplicatesFile = join(dir, 'duplicates');
    const env = { EFFECTS_FILE: effectsFile, DUPLICATES_FILE: duplicatesFile, CONCURRENCY };
    const first = startChild('worker-process', [manager.topicPrefix, String(JOB_MS)], env);
    children.push(first);
    await first.waitForLine(/^ready$/, 60_000);

    // The producer side keeps adding while the worker dies and comes back, as an application would.
    const ids: string[] = [];
    const adding = (async () => {
      const startedAt = Date.now();
      for (let index = 0; index < JOBS; index++) {
        const due = startedAt + (index * 1000) / RATE;
        if (due > Date.now()) await sleep(due - Date.now());
        ids.push((await manager.addJob(QueueNames.EMAIL_QUEUE, 'send-email', email(`load-${index}`))).jobId);
      }
    })();

    await waitUntil('the first worker to be mid-way', () => readLines(effectsFile).length >= JOBS / 3, 60_000);
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    const effectsAtKill = readLines(effectsFile).length;
    assert.ok(effectsAtKill < JOBS, 'the worker died mid-way');

    const second = startChild('worker-process', [manager.topicPrefix, String(JOB_MS)], env);
    children.push(second);
    await adding;
    await waitUntil('every job to have its effect', () => new Set(readLines(effectsFile)).size >= JOBS, 90_000);
    const recoveryMs = Date.now() - killedAt;
    // A moment for a late redelivery to show up as a second effect, if the dedupe store let one through.
    await sleep(1000);
    await second.kill('SIGTERM');

    const tally = tallyEffects(readLines(effectsFile), ids);
    assert.deepEqual(tally, { lost: 0, duplicates: 0, unexpected: 0 });
    const redelivered = readLines(duplicatesFile).length;
    // Counted now: the dead worker's last lines may arrive after its exit.
    const interrupted = first.lines.filter((line) => line.startsWith('start ')).length - first.lines.filter((line) => line.startsWith('done ')).length;
    t.diagnostic(`killed with ${effectsAtKill} effects and ${interrupted} jobs running; all ${JOBS} done ${recoveryMs} ms after the kill; ${redelivered} redelivered completed jobs skipped`);
    recordReliability({
      area: 'faults',
      faultOrInput: 'job worker process SIGKILLed mid-stream, a new worker process started',
      load: `${JOBS} jobs added at ${RATE}/s, ${JOB_MS} ms each, concurrency ${CONCURRENCY}`,
      lost: tally.lost,
      duplicates: tally.duplicates,
      recoveryMs,
      command: 'npm test -- test/reliability/worker-kill',
      notes: `recovery = SIGKILL to every job done (includes the dead member's 6 s session); ${interrupted} jobs were mid-run at the kill, ${redelivered} already-done jobs redelivered and skipped by the worker's dedupe store`,
    });
  });
});
