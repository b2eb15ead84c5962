import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { encodeEvent, EventChannels, type PublishBatchEntry } from '../../src/events/index.js';
import { envInt } from '../env-int.js';

/** benchConfig holds the sizes of the events benchmark; each can be changed with its BENCH_EVENTS_* variable. */
export const benchConfig = {
  /** Rounds at most; fewer when the time budget would be exceeded (but never fewer than `minRounds`). */
  rounds: envInt('BENCH_EVENTS_ROUNDS', 7),
  minRounds: envInt('BENCH_EVENTS_MIN_ROUNDS', 3),
  /** No round starts that would likely end after this many milliseconds from the start: the whole run stays under 3 minutes. */
  budgetMs: envInt('BENCH_EVENTS_BUDGET_MS', 150_000),
  /** Records per publish-batch measurement. */
  batchRecords: envInt('BENCH_EVENTS_BATCH_RECORDS', 20_000),
  /** Records per publishBatch call / raw send call. */
  batchSize: envInt('BENCH_EVENTS_BATCH_SIZE', 500),
  /** Records per single-publish measurement. */
  singleRecords: envInt('BENCH_EVENTS_SINGLE_RECORDS', 5_000),
  /** Concurrent in-flight publishes (one record each) in the single-publish measurement. */
  concurrency: envInt('BENCH_EVENTS_CONCURRENCY', 32),
  /** Records in the topic that consume and replay read. */
  consumeRecords: envInt('BENCH_EVENTS_CONSUME_RECORDS', 40_000),
  /** Records read by the warm-up before each consume and replay measurement. */
  warmupRecords: envInt('BENCH_EVENTS_WARMUP_RECORDS', 3_000),
  partitions: envInt('BENCH_EVENTS_PARTITIONS', 6),
  aggregates: envInt('BENCH_EVENTS_AGGREGATES', 1000),
  /** A measurement that takes longer fails the run instead of hanging it. */
  timeoutMs: envInt('BENCH_EVENTS_TIMEOUT_MS', 60_000),
  /** Runs only the scenarios whose name contains this text (for profiling one of them). */
  only: process.env.BENCH_EVENTS_ONLY ?? '',
};

/** GOAL is the least ratio of mesh to raw kafkajs throughput the toolkit aims for. */
export const GOAL = 0.8;

/** CHANNEL is the channel every scenario publishes to and reads from. */
export const CHANNEL = EventChannels.USERS;

/** rawProducer has the mesh producer's settings: idempotent, acks=all (per send), one request in flight, Java-compatible partitioner. */
export function rawProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** entry is the index-th event the mesh side publishes: a UserCreated of one of `aggregates` users. */
export function entry(index: number): PublishBatchEntry<typeof UserCreatedSchema> {
  const userId = `user-${index % benchConfig.aggregates}`;
  const payload = create(UserCreatedSchema, { userId, email: `${userId}@example.com`, displayName: `User ${index}`, roles: [1], createdAt: timestampFromMs(Date.now()) });
  return { channel: CHANNEL, schema: UserCreatedSchema, payload, options: { aggregateId: userId, aggregateType: 'user' } };
}

/** rawMessage is what the bus would write for entry(index): the raw side sends these very bytes, encoded before its clock starts. */
export function rawMessage(index: number): Message {
  const { schema, payload, options } = entry(index);
  const encoded = encodeEvent(schema, payload, {
    id: randomUUID(),
    source: '/mesh/bench',
    time: new Date(),
    subject: options.aggregateId,
    contentType: 'application/protobuf',
    correlationId: randomUUID(),
    aggregateType: options.aggregateType,
  });
  return { key: encoded.key, value: encoded.value, headers: encoded.headers };
}

/** withTimeout fails a measurement that does not finish within the configured time instead of hanging the run. */
export function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${benchConfig.timeoutMs} ms`)), benchConfig.timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** runPool runs `total` tasks with at most `concurrency` in flight. */
export async function runPool(total: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** cpuMicros is this process's CPU time so far (user + system), in microseconds. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Counter counts handled records: `done` resolves at the n-th, and it remembers when the first and the n-th came. */
export interface Counter {
  readonly done: Promise<number>;
  hit(): void;
  readonly first: number;
  readonly lastCpu: number;
}

/** counter returns a Counter for `n` records. */
export function counter(n: number): Counter {
  let count = 0;
  let first = 0;
  let lastCpu = 0;
  let resolve!: (at: number) => void;
  const done = new Promise<number>((r) => (resolve = r));
  return {
    done,
    hit() {
      count += 1;
      if (count === 1) first = performance.now();
      if (count === n) {
        lastCpu = cpuMicros();
        resolve(performance.now());
      }
    },
    get first() {
      return first;
    },
    get lastCpu() {
      return lastCpu;
    },
  };
}
