// Corrupt job records written straight into a queue's topic while a worker
// runs: each goes to the job DLQ with DECODE_FAILED, every valid job around
// them runs once, and the worker keeps going.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { toBinary } from '@bufbuild/protobuf';
import { SendEmailJobSchema } from '../../gen/notification/v1/notification_jobs_pb.js';
import { DeadLetterHeaders } from '../../src/events/index.js';
import { createQueueManager, encodeJobHeaders, JobError, JobHeaders, jobTopics, QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { createMeshProducer, type OutgoingRecord } from '../../src/kafka/index.js';
import { header, readTopic } from '../events/event-test-support.js';
import { email, TEST_RETRY_TIERS, testPrefix, waitUntil } from '../jobs/job-test-support.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { recordReliability } from '../support/reliability-report.js';

const COMMAND = 'npm test -- test/hostile/job-hostile-input';
const QUEUE = QueueNames.EMAIL_QUEUE;
const VALID_JOBS = 120;
const HOSTILE_ID = 'x-hostile-id';

const validBytes = Buffer.from(toBinary(SendEmailJobSchema, email('corrupt-me')));
const jobHeaders = (jobId: string) => encodeJobHeaders({ jobId, queue: QUEUE, name: 'send-email', attempt: 1, maxAttempts: 3 }, SendEmailJobSchema.typeName);

interface CorruptJob {
  name: string;
  headers: (jobId: string) => Record<string, string>;
  value: Buffer | null;
  /** named: the headers name the job, so its dead letter is keyed by its id and waitFor hears of it. */
  named: boolean;
}

const CORRUPT: CorruptJob[] = [
  { name: 'payload that is not protobuf', headers: jobHeaders, value: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), named: true },
  { name: 'payload cut short', headers: jobHeaders, value: validBytes.subarray(0, validBytes.length - 3), named: true },
  { name: 'string field that is not UTF-8', headers: jobHeaders, value: Buffer.from([0x0a, 0x02, 0xff, 0xfe]), named: true },
  { name: 'job-backoff header that is not JSON', headers: (jobId) => ({ ...jobHeaders(jobId), [JobHeaders.BACKOFF]: '{exponential' }), value: validBytes, named: false },
  { name: 'no job-id header', headers: (jobId) => ({ ...jobHeaders(jobId), [JobHeaders.ID]: '' }), value: validBytes, named: false },
  { name: 'no headers at all', headers: () => ({}), value: validBytes, named: false },
];

describe('corrupt records on a job queue', () => {
  const managers: QueueManager[] = [];
  after(async () => {
    await Promise.all(managers.map((manager) => manager.close()));
  });

  test('each goes to the job DLQ with DECODE_FAILED while every valid job runs once, and the worker keeps going', async () => {
    const kafka = testKafka();
    const prefix = testPrefix();
    const manager = createQueueManager({ kafka, topicPrefix: prefix, retryTiers: TEST_RETRY_TIERS, partitions: 3 });
    managers.push(manager);
    const topics = jobTopics(QUEUE, prefix, TEST_RETRY_TIERS);
    const runs = new Map<string, number>();
    const worker = manager.createWorker(QUEUE, async (job) => {
      runs.set(job.data.notificationId, (runs.get(job.data.notificationId) ?? 0) + 1);
    }, { concurrency: 4 });
    await worker.waitUntilReady();
    const events = manager.createQueueEvents();

    const producer = createMeshProducer(kafka);
    const validIds: string[] = [];
    const corrupt = new Map<string, { job: CorruptJob; jobId: string }>();
    const started = Date.now();
    const every = Math.floor(VALID_JOBS / (CORRUPT.length * 2));
    let next = 0;
    try {
      for (let i = 0; i < VALID_JOBS; i++) {
        const id = `valid-${i}`;
        validIds.push(id);
        await manager.addJob(QUEUE, 'send-email', email(id), { key: `user-${i % 9}` });
        if (i % every === every - 1) {
          const job = CORRUPT[next++ % CORRUPT.length]!;
          const jobId = uniqueName('corrupt');
          const hostileId = uniqueName('hostile');
          corrupt.set(hostileId, { job, jobId });
          const record: OutgoingRecord = { topic: topics.main, key: `user-${i % 9}`, value: job.value, headers: { ...job.headers(jobId), [HOSTILE_ID]: hostileId } };
          await producer.send([record]);
        }
      }
    } finally {
      await producer.close();
    }
    assert.equal(corrupt.size, CORRUPT.length * 2, 'every kind went in twice');

    await waitUntil('every valid job ran', () => validIds.every((id) => runs.has(id)), 60_000);
    const dead = await readTopic(kafka, topics.deadLetter, corrupt.size, 60_000);
    const elapsedMs = Date.now() - started;

    // A job whose headers name it is reported to waitFor as dead-lettered.
    const named = [...corrupt.values()].find(({ job }) => job.named)!;
    await assert.rejects(events.waitFor(named.jobId, { timeoutMs: 10_000 }), (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTERED');

    // The worker still runs jobs after all of it.
    await manager.addJob(QUEUE, 'send-email', email('after'), {});
    await waitUntil('the job after the corrupt ones', () => runs.has('after'));

    assert.equal(dead.length, corrupt.size, 'one dead letter per corrupt record, nothing else');
    for (const record of dead) {
      const entry = corrupt.get(header(record, HOSTILE_ID) ?? '');
      assert.ok(entry, 'the dead letter is one of the corrupt records');
      assert.equal(header(record, DeadLetterHeaders.ERROR_CODE), 'DECODE_FAILED', entry.job.name);
      assert.ok((header(record, DeadLetterHeaders.ERROR_MESSAGE) ?? '').length > 0, `${entry.job.name}: a message`);
      assert.equal(header(record, DeadLetterHeaders.ATTEMPTS), '0', `${entry.job.name}: the processor never ran`);
      assert.deepEqual(record.value, entry.job.value, `${entry.job.name}: the value is kept byte for byte`);
      if (entry.job.named) assert.equal(String(record.key), entry.jobId, `${entry.job.name}: keyed by its job id`);
      else assert.match(String(record.key), /^\d+@\d+$/, `${entry.job.name}: keyed by partition@offset`);
    }

    // Every one stays visible through the API, with why it cannot be retried.
    const listed = await manager.listDeadLetters(QUEUE);
    assert.equal(listed.length, corrupt.size, 'listDeadLetters shows every corrupt job');
    for (const job of listed) {
      assert.equal(job.errorCode, 'DECODE_FAILED');
      assert.ok(job.unreadable, `${job.jobId}: says why it is unreadable`);
      await assert.rejects(manager.retryDeadLetter(QUEUE, job.jobId), (error: unknown) => error instanceof JobError && error.code === 'DEAD_LETTER_UNREADABLE');
    }

    const lost = validIds.filter((id) => !runs.has(id)).length;
    const duplicates = [...runs.values()].filter((count) => count > 1).length;
    assert.equal(lost, 0, 'no valid job was lost');
    assert.equal(duplicates, 0, 'no valid job ran twice');
    assert.equal(runs.size, VALID_JOBS + 1, 'only valid jobs reached the processor');
    recordReliability({
      area: 'hostile input (Kafka)',
      faultOrInput: `${corrupt.size} corrupt job records of ${CORRUPT.length} kinds (undecodable, truncated, non-UTF-8 payloads; missing or bad job headers) between valid jobs`,
      load: `${VALID_JOBS} valid jobs on 9 keys over 3 partitions, concurrency 4, done in ${elapsedMs} ms`,
      lost,
      duplicates,
      command: COMMAND,
      notes: 'each corrupt job dead-lettered with DECODE_FAILED; one with readable headers is keyed by its id and waitFor reports DEAD_LETTERED',
    });
  });
});
