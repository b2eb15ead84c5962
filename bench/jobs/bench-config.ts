import { create, toBinary } from '@bufbuild/protobuf';
import { SendSmsJobSchema, type SendSmsJob } from '../../gen/notification/v1/notification_jobs_pb.js';
import { QueueNames } from '../../src/jobs/index.js';
import { envInt } from '../env-int.js';

/** jobsBenchConfig holds the sizes of the jobs benchmark; each can be changed with its BENCH_JOBS_* variable. */
export const jobsBenchConfig = {
  /** Rounds at most (one Kafka and one BullMQ process each, the side going first alternating); fewer when the budget would be exceeded. */
  rounds: envInt('BENCH_JOBS_ROUNDS', 5),
  minRounds: envInt('BENCH_JOBS_MIN_ROUNDS', 3),
  /** No round starts that would likely end after this many milliseconds from the start: the whole run stays under 4 minutes. */
  budgetMs: envInt('BENCH_JOBS_BUDGET_MS', 200_000),
  /** Jobs added one at a time (the add-c1 measurement). */
  serialAdds: envInt('BENCH_JOBS_SERIAL_ADDS', 1000),
  /** Jobs added with `addConcurrency` adds in flight (the add-c50 measurement). */
  jobs: envInt('BENCH_JOBS_JOBS', 5000),
  /** Untimed adds before the measurements (connections, topic creation, JIT). */
  warmupAdds: envInt('BENCH_JOBS_WARMUP_ADDS', 200),
  addConcurrency: envInt('BENCH_JOBS_ADD_CONCURRENCY', 50),
  /** Worker concurrency of the second processing measurement (the first is 1). */
  workerConcurrency: envInt('BENCH_JOBS_WORKER_CONCURRENCY', 50),
  /** Distinct ordering keys of the Kafka jobs (BullMQ has no keys). */
  keys: envInt('BENCH_JOBS_KEYS', 100),
  /** Bytes of one job's payload: the protobuf encoding on Kafka, the JSON on BullMQ. */
  payloadBytes: envInt('BENCH_JOBS_PAYLOAD_BYTES', 256),
  /** The Kafka workers' maxBufferedJobs; 0 keeps the worker's default. */
  maxBufferedJobs: Number(process.env.BENCH_JOBS_MAX_BUFFERED ?? 0),
  /** Partitions of the Kafka queue's topics. */
  partitions: envInt('BENCH_JOBS_PARTITIONS', 3),
  /** A measurement that takes longer fails the run instead of hanging it. */
  timeoutMs: envInt('BENCH_JOBS_TIMEOUT_MS', 60_000),
  /** Runs only this side (kafka or bullmq), for profiling. */
  only: process.env.BENCH_JOBS_ONLY ?? '',
};

/** JobsBenchConfig is the shape of jobsBenchConfig, as the parent hands it to each side's process. */
export type JobsBenchConfig = typeof jobsBenchConfig;

/** GOAL is the least ratio of Kafka job queues to BullMQ processed jobs/s at concurrency 50 (issue 5). */
export const GOAL = 1.0;

/** BENCH_QUEUE is the queue both sides use (SendSmsJob payloads). */
export const BENCH_QUEUE = QueueNames.SMS_QUEUE;

/** totalJobs is how many jobs each queue holds when the workers start, and each processing measurement runs. */
export function totalJobs(config: JobsBenchConfig): number {
  return config.warmupAdds + config.serialAdds + config.jobs;
}

function smsJob(index: number, body: string): SendSmsJob {
  const id = String(index).padStart(8, '0');
  return create(SendSmsJobSchema, { notificationId: `n-${id}`, userId: `u-${id}`, phoneNumber: '+15550000000', body });
}

/** padded returns a body that makes `size(body)` exactly `bytes` (bodies of one length give every job the same size). */
function padded(bytes: number, size: (body: string) => number): string {
  const overhead = size('');
  if (overhead > bytes) throw new Error(`payloadBytes ${bytes} is below the payload's own ${overhead} bytes`);
  let body = 'x'.repeat(bytes - overhead);
  // A longer string field can need one more length byte in protobuf.
  while (size(body) > bytes) body = body.slice(1);
  return body;
}

/** payloads returns the job-number-to-payload functions of both sides, each `payloadBytes` long once encoded. */
export function payloads(config: JobsBenchConfig): { proto: (index: number) => SendSmsJob; json: (index: number) => SmsJson } {
  const protoBody = padded(config.payloadBytes, (body) => toBinary(SendSmsJobSchema, smsJob(0, body)).length);
  const jsonBody = padded(config.payloadBytes, (body) => Buffer.byteLength(JSON.stringify(plain(smsJob(0, body)))));
  return { proto: (index) => smsJob(index, protoBody), json: (index) => plain(smsJob(index, jsonBody)) };
}

/** SmsJson is a SendSmsJob as BullMQ stores it: plain JSON. */
export interface SmsJson {
  notificationId: string;
  userId: string;
  phoneNumber: string;
  body: string;
}

function plain(job: SendSmsJob): SmsJson {
  return { notificationId: job.notificationId, userId: job.userId, phoneNumber: job.phoneNumber, body: job.body };
}
