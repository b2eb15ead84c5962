import { createQueueManager } from '../../src/jobs/index.js';
import { createKafka } from '../../src/kafka/index.js';
import { BENCH_QUEUE, payloads, totalJobs, type JobsBenchConfig } from './bench-config.js';
import { measure, runPool, type Measured } from './bench-measure.js';
import { createJobCounter } from './job-counter.js';

/** KafkaSideSetup is what the parent tells the Kafka side's process. */
export interface KafkaSideSetup {
  brokers: string[];
  /** A fresh topic prefix (and consumer group prefix) for this process. */
  prefix: string;
  brokerPid?: number;
}

/**
 * runKafkaSide measures the job queues of this project with their defaults
 * (acks=all, ACTIVE and COMPLETED lifecycle events, maxBufferedJobs 200):
 * adds one at a time, adds `addConcurrency` in flight, then, after an
 * untimed warm-up worker, two workers in turn (concurrency 1, then
 * `workerConcurrency`), each in its own consumer group, each running every
 * job of the queue. It deletes its topics and groups at the end.
 */
export async function runKafkaSide(config: JobsBenchConfig, setup: KafkaSideSetup): Promise<Measured[]> {
  const kafka = createKafka({ clientId: 'bench-jobs-kafka', brokers: setup.brokers });
  const manager = createQueueManager({ kafka, topicPrefix: setup.prefix, partitions: config.partitions });
  const { proto } = payloads(config);
  const add = (index: number) => manager.addJob(BENCH_QUEUE, 'send', proto(index), { key: `user-${index % config.keys}` });
  const total = totalJobs(config);
  const results: Measured[] = [];
  try {
    let index = 0;
    await runPool(config.warmupAdds, config.addConcurrency, () => add(index++));
    results.push(
      await measure('add c1', config.serialAdds, setup.brokerPid, async () => {
        const startedAt = performance.now();
        for (let i = 0; i < config.serialAdds; i++) await add(index++);
        return { startedAt, endedAt: performance.now() };
      }),
    );
    results.push(
      await measure(`add c${config.addConcurrency}`, config.jobs, setup.brokerPid, async () => {
        const startedAt = performance.now();
        await runPool(config.jobs, config.addConcurrency, () => add(index++));
        return { startedAt, endedAt: performance.now() };
      }),
    );
    // Untimed: JIT and connections of the consumer path, as the warm-up adds did for the producer path.
    await warmUpWorker(manager, config, `${setup.prefix}workers-warm-up`);
    for (const concurrency of [1, config.workerConcurrency]) {
      const label = `process c${concurrency}`;
      results.push(
        await measure(label, total, setup.brokerPid, async () => {
          const counter = createJobCounter(total, config.timeoutMs, `kafka ${label}`);
          const createdAt = performance.now();
          const worker = manager.createWorker(
            BENCH_QUEUE,
            async () => {
              counter.hit();
            },
            { concurrency, groupId: `${setup.prefix}workers-c${concurrency}`, ...(config.maxBufferedJobs > 0 ? { maxBufferedJobs: config.maxBufferedJobs } : {}) },
          );
          try {
            return { ...(await counter.done), createdAt };
          } finally {
            await worker.close();
          }
        }),
      );
    }
  } finally {
    await manager.close().catch(() => undefined);
    await cleanUp(kafka, setup.prefix).catch((error: unknown) => process.stderr.write(`kafka clean-up: ${String(error)}\n`));
  }
  return results;
}

async function warmUpWorker(manager: ReturnType<typeof createQueueManager>, config: JobsBenchConfig, groupId: string): Promise<void> {
  const counter = createJobCounter(config.warmupAdds, config.timeoutMs, 'kafka warm-up worker');
  const worker = manager.createWorker(BENCH_QUEUE, async () => counter.hit(), { concurrency: config.workerConcurrency, groupId });
  try {
    await counter.done;
  } finally {
    await worker.close();
  }
}

async function cleanUp(kafka: ReturnType<typeof createKafka>, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
