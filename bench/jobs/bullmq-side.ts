import { Queue, Worker } from 'bullmq';
import { payloads, totalJobs, type JobsBenchConfig } from './bench-config.js';
import { measure, runPool, type Measured } from './bench-measure.js';
import { createJobCounter } from './job-counter.js';

/** BullmqSideSetup is what the parent tells the BullMQ side's process. */
export interface BullmqSideSetup {
  redisPort: number;
  /** A fresh queue name prefix for this process. */
  prefix: string;
  redisPid?: number;
}

async function warmUpWorker(queue: Queue, connection: { host: string; port: number }, config: JobsBenchConfig): Promise<void> {
  const counter = createJobCounter(config.warmupAdds, config.timeoutMs, 'bullmq warm-up worker');
  const worker = new Worker(queue.name, async () => counter.hit(), { connection: { ...connection, maxRetriesPerRequest: null }, concurrency: config.workerConcurrency });
  try {
    await counter.done;
  } finally {
    await worker.close();
  }
}

/** ADD_BULK_CHUNK is the batch size of the untimed refill of the second worker's queue. */
const ADD_BULK_CHUNK = 500;

/**
 * runBullmqSide measures BullMQ with its defaults (completed jobs kept, no
 * removeOnComplete) the way runKafkaSide measures the job queues. A BullMQ
 * job is gone once processed, so the second worker gets a second queue,
 * filled (untimed, with addBulk) to the same size; the untimed warm-up
 * worker gets a third. The queues are obliterated at the end.
 */
export async function runBullmqSide(config: JobsBenchConfig, setup: BullmqSideSetup): Promise<Measured[]> {
  const connection = { host: '127.0.0.1', port: setup.redisPort };
  const { json } = payloads(config);
  const total = totalJobs(config);
  const queues = [1, config.workerConcurrency].map((concurrency) => new Queue(`${setup.prefix}sms-c${concurrency}`, { connection }));
  const [first, second] = queues as [Queue, Queue];
  const warm = new Queue(`${setup.prefix}sms-warm-up`, { connection });
  const results: Measured[] = [];
  try {
    await Promise.all([...queues, warm].map((queue) => queue.waitUntilReady()));
    await warm.addBulk(Array.from({ length: config.warmupAdds }, (_, offset) => ({ name: 'send', data: json(offset) })));
    let index = 0;
    const add = () => first.add('send', json(index++));
    await runPool(config.warmupAdds, config.addConcurrency, add);
    results.push(
      await measure('add c1', config.serialAdds, setup.redisPid, async () => {
        const startedAt = performance.now();
        for (let i = 0; i < config.serialAdds; i++) await add();
        return { startedAt, endedAt: performance.now() };
      }),
    );
    results.push(
      await measure(`add c${config.addConcurrency}`, config.jobs, setup.redisPid, async () => {
        const startedAt = performance.now();
        await runPool(config.jobs, config.addConcurrency, add);
        return { startedAt, endedAt: performance.now() };
      }),
    );
    for (let start = 0; start < total; start += ADD_BULK_CHUNK) {
      const count = Math.min(ADD_BULK_CHUNK, total - start);
      await second.addBulk(Array.from({ length: count }, (_, offset) => ({ name: 'send', data: json(start + offset) })));
    }
    // Untimed: JIT and connections of the worker path, as the warm-up adds did for the adding path.
    await warmUpWorker(warm, connection, config);
    for (const [position, concurrency] of [1, config.workerConcurrency].entries()) {
      const label = `process c${concurrency}`;
      const queue = queues[position]!;
      results.push(
        await measure(label, total, setup.redisPid, async () => {
          const counter = createJobCounter(total, config.timeoutMs, `bullmq ${label}`);
          const createdAt = performance.now();
          const worker = new Worker(
            queue.name,
            async () => {
              counter.hit();
            },
            { connection: { ...connection, maxRetriesPerRequest: null }, concurrency },
          );
          worker.on('error', (error) => process.stderr.write(`bullmq worker: ${String(error)}\n`));
          try {
            return { ...(await counter.done), createdAt };
          } finally {
            await worker.close();
          }
        }),
      );
    }
  } finally {
    for (const queue of [...queues, warm]) {
      await queue.obliterate({ force: true }).catch((error: unknown) => process.stderr.write(`bullmq obliterate: ${String(error)}\n`));
      await queue.close();
    }
  }
  return results;
}
