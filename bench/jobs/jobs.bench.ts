// Jobs benchmark: the Kafka job queues of this project against BullMQ on
// Redis, on the same machine, in the same run. Run alone with
//   npx tsx bench/jobs/jobs.bench.ts
// Sizes can be changed with BENCH_JOBS_* variables (see bench-config.ts).
//
// The parent process installs redis-server from Debian when it is missing
// and starts its own (free localhost port, no persistence); then, round after
// round, it runs one process per side (the side that goes first alternates),
// which adds jobs one at a time, then 50 in flight, warms a worker up, then
// runs every job of the queue with a worker of concurrency 1 and one of
// concurrency 50, and prints its rates. Processing rates run from the first
// job's start to the last one's; the rate from the worker's creation is shown
// beside them. One process per side keeps the sides from sharing a heap,
// the JIT and AsyncLocalStorage's promise hooks (the jobs worker runs every
// processor in the job's request context).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureKafka } from '../../src/kafka/ensure-kafka.js';
import { GOAL, jobsBenchConfig as config, totalJobs, type JobsBenchConfig } from './bench-config.js';
import { cpuTicks, formatRate, listenerPid, machine, median, type Measured } from './bench-measure.js';
import { runBullmqSide, type BullmqSideSetup } from './bullmq-side.js';
import { runKafkaSide, type KafkaSideSetup } from './kafka-side.js';
import { ensureRedisServerInstalled, startRedisServer } from './redis-server.js';

const CHILD_ENV = 'BENCH_JOBS_CHILD';
type Side = 'kafka' | 'bullmq';
type ChildTask = { side: 'kafka'; config: JobsBenchConfig; setup: KafkaSideSetup } | { side: 'bullmq'; config: JobsBenchConfig; setup: BullmqSideSetup };

async function runChild(task: ChildTask): Promise<void> {
  const results = task.side === 'kafka' ? await runKafkaSide(task.config, task.setup) : await runBullmqSide(task.config, task.setup);
  // Exit at once: a closed kafkajs or ioredis client may still hold a timer for a while.
  process.stdout.write(`${JSON.stringify(results)}\n`, () => process.exit(0));
}

async function spawnSide(task: ChildTask): Promise<Measured[]> {
  // The same Node flags as this process (tsx's loader among them).
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify(task) },
    maxBuffer: 1 << 20,
    timeout: config.timeoutMs * 4,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as Measured[];
}

interface Series {
  kafka: Measured[];
  bullmq: Measured[];
}

function summary(phases: string[], byPhase: Map<string, Series>) {
  return phases.map((phase) => {
    const series = byPhase.get(phase)!;
    const pick = (side: Side, field: 'rate' | 'wallRate' | 'clientCpuUs' | 'serverCpuUs') => median(series[side].map((m) => m[field]).filter((v): v is number => v !== undefined));
    const roundRatios = series.kafka.map((m, i) => m.rate / (series.bullmq[i]?.rate ?? Number.NaN)).filter(Number.isFinite);
    return {
      phase,
      kafka: pick('kafka', 'rate'),
      bullmq: pick('bullmq', 'rate'),
      ratio: pick('kafka', 'rate') / pick('bullmq', 'rate'),
      roundRatio: median(roundRatios),
      kafkaWall: pick('kafka', 'wallRate'),
      bullmqWall: pick('bullmq', 'wallRate'),
      kafkaCpu: pick('kafka', 'clientCpuUs'),
      bullmqCpu: pick('bullmq', 'clientCpuUs'),
      brokerCpu: pick('kafka', 'serverCpuUs'),
      redisCpu: pick('bullmq', 'serverCpuUs'),
      kafkaRates: series.kafka.map((m) => Math.round(m.rate)),
      bullmqRates: series.bullmq.map((m) => Math.round(m.rate)),
    };
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  const ticksBefore = cpuTicks();
  ensureRedisServerInstalled();
  const broker = await ensureKafka();
  const redis = await startRedisServer();
  const stopRedis = () => void redis.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopRedis);
  process.once('SIGTERM', stopRedis);
  const brokerPid = listenerPid(Number(broker.brokers[0]?.split(':').at(-1)));
  const runId = randomUUID().slice(0, 8);
  const byPhase = new Map<string, Series>();
  const phases: string[] = [];
  let rounds = 0;
  try {
    for (let round = 0; round < config.rounds; round++) {
      const elapsed = performance.now() - started;
      if (round >= config.minRounds && elapsed + elapsed / round > config.budgetMs) break;
      const order: Side[] = round % 2 === 0 ? ['kafka', 'bullmq'] : ['bullmq', 'kafka'];
      const measured: Partial<Record<Side, Measured[]>> = {};
      for (const side of order) {
        if (config.only && config.only !== side) continue;
        const prefix = `bench-jobs-${runId}-${round}-`;
        const task: ChildTask =
          side === 'kafka'
            ? { side, config, setup: { brokers: broker.brokers, prefix, ...(brokerPid !== undefined ? { brokerPid } : {}) } }
            : { side, config, setup: { redisPort: redis.port, prefix, redisPid: redis.pid } };
        measured[side] = await spawnSide(task);
      }
      rounds += 1;
      for (const side of ['kafka', 'bullmq'] as const) {
        for (const m of measured[side] ?? []) {
          if (!byPhase.has(m.phase)) {
            byPhase.set(m.phase, { kafka: [], bullmq: [] });
            phases.push(m.phase);
          }
          byPhase.get(m.phase)![side].push(m);
        }
      }
      const line = phases.map((phase) => `${phase} kafka ${formatRate(byPhase.get(phase)!.kafka.at(-1)?.rate ?? NaN)} bullmq ${formatRate(byPhase.get(phase)!.bullmq.at(-1)?.rate ?? NaN)}`).join('; ');
      process.stderr.write(`round ${round + 1} (${order.join(' first, ')}): ${line} jobs/s; load ${loadavg()[0]!.toFixed(2)}\n`);
    }
  } finally {
    await redis.stop();
    process.off('SIGINT', stopRedis);
    process.off('SIGTERM', stopRedis);
    await broker.stop();
  }
  const totalMs = performance.now() - started;
  const ticksAfter = cpuTicks();
  const busy = (100 * (ticksAfter.busy - ticksBefore.busy)) / (ticksAfter.total - ticksBefore.total);
  const results = summary(phases, byPhase);
  const load = `load average (1/5/15 min) ${loadBefore.map((v) => v.toFixed(2)).join(' ')} before, ${loadavg().map((v) => v.toFixed(2)).join(' ')} after; all cores ${busy.toFixed(0)}% busy during the run`;
  console.log(`\nJobs benchmark: ${machine()}; Kafka broker ${broker.reused ? 'already running' : 'started'} at ${broker.brokers.join(',')}, redis-server ${redis.version}`);
  console.log(`${rounds} rounds, ${(totalMs / 1000).toFixed(1)} s; ${load}`);
  console.log(
    `settings: ${config.warmupAdds} warm-up adds, ${config.serialAdds} adds one at a time, ${config.jobs} adds ${config.addConcurrency} in flight, then ${totalJobs(config)} jobs per processing run; ${config.payloadBytes}-byte payloads; Kafka: ${config.partitions} partitions, ${config.keys} keys`,
  );
  console.log('| measurement | Kafka jobs/s (median) | BullMQ jobs/s (median) | ratio of medians | median of round ratios | incl. worker start, Kafka / BullMQ | client CPU µs/job, Kafka / BullMQ | server CPU µs/job, broker / redis | Kafka per round | BullMQ per round |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const r of results) {
    const wall = r.phase.startsWith('process') ? `${formatRate(r.kafkaWall)} / ${formatRate(r.bullmqWall)}` : '';
    console.log(
      `| ${r.phase} | ${formatRate(r.kafka)} | ${formatRate(r.bullmq)} | ${r.ratio.toFixed(2)}× | ${r.roundRatio.toFixed(2)}× | ${wall} | ${r.kafkaCpu.toFixed(0)} / ${r.bullmqCpu.toFixed(0)} | ${r.brokerCpu.toFixed(0)} / ${r.redisCpu.toFixed(0)} | ${r.kafkaRates.join(', ')} | ${r.bullmqRates.join(', ')} |`,
    );
  }
  const goal = results.find((r) => r.phase === `process c${config.workerConcurrency}`);
  if (goal) console.log(`goal (processed jobs/s at concurrency ${config.workerConcurrency} ≥ ${GOAL.toFixed(1)}× BullMQ): ${Math.min(goal.ratio, goal.roundRatio) >= GOAL ? 'met' : 'NOT met'} (${goal.ratio.toFixed(2)}×)`);
  console.log(`\n${JSON.stringify({ bench: 'jobs', machine: machine(), load, config, results })}`);
}

const childTask = process.env[CHILD_ENV];
if (childTask) await runChild(JSON.parse(childTask) as ChildTask);
else await main();
