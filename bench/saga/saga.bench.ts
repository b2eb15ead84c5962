// Saga benchmark: the 5-step saga (background log, the default; pipelined log;
// pipelined with a compensable first step; write-ahead log) against the same five RPCs as a
// plain chain (same services, same run, rounds rotating the sides), throughput at a fixed
// concurrency, and recovery of in-flight sagas after kill -9 of their
// coordinator. Run alone with `npx tsx bench/saga/saga.bench.ts`; sizes via
// BENCH_SAGA_* (below). See bench/README.md, "Sagas", for the definitions.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { ensureKafka } from '../../src/kafka/ensure-kafka.js';
import { createKafka, ensureTopics } from '../../src/kafka/index.js';
import { createSagaOrchestrator, SAGA_LOG_PRODUCER_RETRY, type SagaLogMode, type SagaOrchestrator } from '../../src/saga/index.js';
import { benchClients, benchSaga, BENCH_SAGA_NAME, BENCH_SAGA_UNDOABLE_FIRST_NAME, runChain, startServicesProcess, type BenchClients } from './bench-saga.js';
import { envInt } from '../env-int.js';

const config = {
  /** Latency rounds; each runs `perRound` chains and `perRound` sagas one at a time, the side going first alternating. */
  rounds: envInt('BENCH_SAGA_ROUNDS', 10),
  perRound: envInt('BENCH_SAGA_PER_ROUND', 20),
  warmup: envInt('BENCH_SAGA_WARMUP', 30),
  /** Throughput: in flight at once, seconds per side and round, rounds. */
  concurrency: envInt('BENCH_SAGA_CONCURRENCY', 32),
  throughputSeconds: envInt('BENCH_SAGA_THROUGHPUT_SECONDS', 5),
  throughputRounds: envInt('BENCH_SAGA_THROUGHPUT_ROUNDS', 2),
  /** Sagas in flight when the coordinator is killed. */
  recoverySagas: envInt('BENCH_SAGA_RECOVERY_SAGAS', 10_000),
  partitions: envInt('BENCH_SAGA_PARTITIONS', 6),
  /** The dead coordinator's session timeout (the broker's minimum): the new one cannot take its partitions sooner. */
  sessionTimeout: envInt('BENCH_SAGA_SESSION_TIMEOUT_MS', 6000),
  recoveryTimeoutMs: envInt('BENCH_SAGA_RECOVERY_TIMEOUT_MS', 120_000),
  /** Recovered sagas make the five RPCs (1) or local steps (0, the default: 50,000 RPCs would measure the services, not the coordinator). */
  recoveryRpc: process.env['BENCH_SAGA_RECOVERY_RPC'] === '1',
  /** The log mode of both coordinators of the recovery run (the default's when unset). */
  recoveryLogMode: process.env['BENCH_SAGA_RECOVERY_LOG_MODE'] as SagaLogMode | undefined,
  /** BENCH_SAGA_SEND_EARLY=0 turns the background log's early send (logSendEarly) off, for an A/B in one tree; unset, the default. */
  sendEarly: process.env['BENCH_SAGA_SEND_EARLY'] === undefined ? undefined : process.env['BENCH_SAGA_SEND_EARLY'] !== '0',
  /** Sequential transactions and plain produces of the commit-cost probe. */
  probeWrites: envInt('BENCH_SAGA_PROBE_WRITES', 100),
};

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

interface Run {
  run: string;
  topics: { state: string; history: string };
  groupId: string;
  transactionalIdPrefix: string;
}

function newRun(label: string): Run {
  const run = `bench-saga-${label}-${randomUUID().slice(0, 8)}`;
  return { run, topics: { state: `${run}.state`, history: `${run}.history` }, groupId: `${run}.coordinators`, transactionalIdPrefix: run };
}

function orchestratorOf(run: Run, clientId: string, logMode?: SagaLogMode): SagaOrchestrator {
  return createSagaOrchestrator({
    ...(logMode ? { logMode } : {}),
    ...(config.sendEarly !== undefined ? { logSendEarly: config.sendEarly } : {}),
    kafka: createKafka({ clientId }),
    topics: run.topics,
    groupId: run.groupId,
    transactionalIdPrefix: run.transactionalIdPrefix,
    partitions: config.partitions,
    sessionTimeout: config.sessionTimeout,
    heartbeatInterval: 1000,
  });
}

/**
 * Side is one way of making the five calls: the plain chain, or the saga on
 * a pipelined log (its first step without a compensation, or with one, which
 * makes the saga's start write-ahead), or on a write-ahead log.
 */
type Side = 'chain' | 'background' | 'pipelined' | 'pipelinedUndoableFirst' | 'writeAhead';
const SIDES: readonly Side[] = ['chain', 'background', 'pipelined', 'pipelinedUndoableFirst', 'writeAhead'];
const THROUGHPUT_SIDES: readonly Side[] = ['chain', 'background', 'pipelined', 'writeAhead'];
const SIDE_LABELS: Record<Side, string> = {
  chain: '5 RPCs, plain chain',
  background: '5-step saga, background log (default)',
  pipelined: '5-step saga, pipelined log',
  pipelinedUndoableFirst: '5-step saga, pipelined, first step has a compensation',
  writeAhead: '5-step saga, write-ahead log',
};

interface Orchestrators {
  background: SagaOrchestrator;
  pipelined: SagaOrchestrator;
  writeAhead: SagaOrchestrator;
}

async function runSide(side: Side, orchestrators: Orchestrators, clients: BenchClients, tag: string): Promise<void> {
  if (side === 'chain') return runChain(clients, `chain-${tag}`);
  const orchestrator = side === 'writeAhead' ? orchestrators.writeAhead : side === 'background' ? orchestrators.background : orchestrators.pipelined;
  const name = side === 'pipelinedUndoableFirst' ? BENCH_SAGA_UNDOABLE_FIRST_NAME : BENCH_SAGA_NAME;
  const result = await orchestrator.execute(name, { tag: `saga-${tag}` });
  if (result.status !== 'completed') throw new Error(`a benchmark saga ended ${result.status}: ${result.error}`);
}

// Each round rotates which side goes first, so a change of machine load hits every side alike.
const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, index) => items[(index + by) % items.length]!);

/** Latency holds each side's latencies and the bench process's CPU time per run (user + system, ms: the coordinator's share of the machine). */
interface Latency {
  samples: Record<Side, number[]>;
  cpu: Record<Side, number[]>;
}

async function latency(orchestrators: Orchestrators, clients: BenchClients): Promise<Latency> {
  const samples = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<Side, number[]>;
  const cpu = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<Side, number[]>;
  const one = async (side: Side, into?: number[]) => {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await runSide(side, orchestrators, clients, randomUUID());
    into?.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    if (into) cpu[side].push((used.user + used.system) / 1000);
  };
  for (let index = 0; index < config.warmup; index++) for (const side of SIDES) await one(side);
  for (let round = 0; round < config.rounds; round++) {
    for (const side of rotate(SIDES, round)) for (let index = 0; index < config.perRound; index++) await one(side, samples[side]);
  }
  return { samples, cpu };
}

async function throughput(orchestrators: Orchestrators, clients: BenchClients): Promise<Record<Side, number[]>> {
  const rates = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<Side, number[]>;
  for (let round = 0; round < config.throughputRounds; round++) {
    for (const side of rotate(THROUGHPUT_SIDES, round)) {
      const deadline = performance.now() + config.throughputSeconds * 1000;
      let done = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: config.concurrency }, async () => {
          while (performance.now() < deadline) {
            await runSide(side, orchestrators, clients, `t-${randomUUID()}`);
            done += 1;
          }
        }),
      );
      rates[side].push(done / ((performance.now() - started) / 1000));
    }
  }
  return rates;
}

interface Recovery {
  sagas: number;
  parkMs: number;
  claimedMs: number;
  resumedMs: number;
  finishedMs: number;
}

async function recovery(urls: Parameters<typeof benchClients>[0], clients: BenchClients): Promise<Recovery> {
  const run = newRun('recovery');
  const count = config.recoverySagas;
  const parkStarted = performance.now();
  const doomed = spawn(process.execPath, ['--import', 'tsx', new URL('./recovery-coordinator.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      SAGAS: String(count),
      SERVICE_URLS: JSON.stringify(urls),
      SAGA_STATE_TOPIC: run.topics.state,
      SAGA_HISTORY_TOPIC: run.topics.history,
      SAGA_GROUP: run.groupId,
      SAGA_TX_PREFIX: run.transactionalIdPrefix,
      SAGA_PARTITIONS: String(config.partitions),
      SAGA_SESSION_TIMEOUT: String(config.sessionTimeout),
      TAG_PREFIX: run.run,
      RECOVERY_LOCAL: config.recoveryRpc ? '0' : '1',
      ...(config.recoveryLogMode ? { SAGA_LOG_MODE: config.recoveryLogMode } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => doomed.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the doomed coordinator did not park ${count} sagas in time`)), config.recoveryTimeoutMs);
    createInterface({ input: doomed.stdout! }).on('line', (line) => {
      if (line.startsWith('PARKED ')) process.stdout.write(`  parked ${line.slice(7)} of ${count}\r`);
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    doomed.once('exit', (code) => reject(new Error(`the doomed coordinator exited (${code}) early`)));
  });
  const parkMs = performance.now() - parkStarted;
  doomed.kill('SIGKILL');
  await exited;

  // t0: the new coordinator is created and started right after the kill.
  const t0 = performance.now();
  const orchestrator = orchestratorOf(run, 'bench-saga-recovering', config.recoveryLogMode);
  orchestrator.register(benchSaga(clients, { local: !config.recoveryRpc }));
  const resumed = new Set<string>();
  let finished = 0;
  let resumedAt = 0;
  let finishedAt = 0;
  const allFinished = new Promise<void>((resolve) => {
    orchestrator.onTransition(({ transition }) => {
      if (!resumed.has(transition.sagaId)) {
        resumed.add(transition.sagaId);
        if (resumed.size === count) resumedAt = performance.now();
      }
      if (transition.kind === Kind.COMPLETED && ++finished === count) {
        finishedAt = performance.now();
        resolve();
      }
    });
  });
  try {
    await orchestrator.start();
    const claimedMs = performance.now() - t0;
    const progress = setInterval(() => process.stdout.write(`  resumed ${resumed.size}, finished ${finished} of ${count}\r`), 2000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([allFinished, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`recovery: ${finished} of ${count} finished in time`)), config.recoveryTimeoutMs)))]);
    } finally {
      clearInterval(progress);
      clearTimeout(timer);
    }
    return { sagas: count, parkMs, claimedMs, resumedMs: resumedAt - t0, finishedMs: finishedAt - t0 };
  } finally {
    await orchestrator.stop();
    await deleteRun(run);
  }
}

/**
 * commitProbe times what one saga transition costs the log on this broker:
 * sequential transactions of one record to each of two topics (what the
 * coordinator writes per step), spaced and back to back (as a pipelined log
 * issues them; on one producer, and on two taking turns, which would spare
 * the broker's CONCURRENT_TRANSACTIONS answer), against sequential
 * idempotent acks=all sends of the same two records without a transaction.
 */
async function commitProbe(): Promise<{ transaction: number[]; backToBack: number[]; alternating: number[]; produce: number[] }> {
  const run = newRun('probe');
  const kafka = createKafka({ clientId: 'bench-saga-probe' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic: run.topics.state, partitions: 1 }, { topic: run.topics.history, partitions: 1 }]);
  const transactional = kafka.producer({ transactionalId: `${run.run}-tx`, idempotent: true, maxInFlightRequests: 1, retry: SAGA_LOG_PRODUCER_RETRY });
  const second = kafka.producer({ transactionalId: `${run.run}-tx.1`, idempotent: true, maxInFlightRequests: 1, retry: SAGA_LOG_PRODUCER_RETRY });
  const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([transactional.connect(), second.connect(), plain.connect()]);
  const transact = async (producer: typeof transactional, index: number) => {
    const transaction = await producer.transaction();
    await transaction.sendBatch({ topicMessages: records(index) });
    await transaction.commit();
  };
  const records = (index: number) => [
    { topic: run.topics.state, messages: [{ key: `s-${index}`, value: Buffer.alloc(300) }] },
    { topic: run.topics.history, messages: [{ key: `s-${index}`, value: Buffer.alloc(200) }] },
  ];
  const result = { transaction: [] as number[], backToBack: [] as number[], alternating: [] as number[], produce: [] as number[] };
  const timed = async (into: number[], index: number, write: () => Promise<unknown>) => {
    const started = performance.now();
    await write();
    if (index >= 10) into.push(performance.now() - started);
  };
  try {
    // Spaced: a plain produce between two transactions, as a write-ahead saga spaces them by a call.
    for (let index = 0; index < config.probeWrites + 10; index++) {
      await timed(result.transaction, index, () => transact(transactional, index));
      await timed(result.produce, index, () => plain.sendBatch({ topicMessages: records(index), acks: -1 }));
    }
    // Back to back, as a pipelined log issues them: one producer, then two taking turns (the saga log's default).
    for (let index = 0; index < config.probeWrites + 10; index++) await timed(result.backToBack, index, () => transact(transactional, index));
    for (let index = 0; index < config.probeWrites + 10; index++) await timed(result.alternating, index, () => transact(index % 2 === 0 ? transactional : second, index));
  } finally {
    await Promise.allSettled([transactional.disconnect(), second.disconnect(), plain.disconnect()]);
    await admin.disconnect();
    await deleteRun(run);
  }
  return result;
}

async function deleteRun(run: Run): Promise<void> {
  const admin = createKafka({ clientId: 'bench-saga-cleanup' }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [run.topics.state, run.topics.history] }).catch(() => undefined);
    await admin.deleteGroups([run.groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  await ensureKafka();
  const services = await startServicesProcess();
  const clients = benchClients(services.urls);
  try {
    const runs = { background: newRun('latency-background'), pipelined: newRun('latency-pipelined'), writeAhead: newRun('latency-write-ahead') };
    const orchestrators: Orchestrators = {
      background: orchestratorOf(runs.background, 'bench-saga-background', 'background'),
      pipelined: orchestratorOf(runs.pipelined, 'bench-saga-pipelined', 'pipelined'),
      writeAhead: orchestratorOf(runs.writeAhead, 'bench-saga-write-ahead', 'write-ahead'),
    };
    orchestrators.pipelined.register(benchSaga(clients));
    orchestrators.pipelined.register(benchSaga(clients, { undoableFirst: true }));
    orchestrators.writeAhead.register(benchSaga(clients));
    orchestrators.background.register(benchSaga(clients));
    let measured: Latency;
    let rates: Record<Side, number[]>;
    try {
      await Promise.all([orchestrators.background.start(), orchestrators.pipelined.start(), orchestrators.writeAhead.start()]);
      measured = await latency(orchestrators, clients);
      rates = await throughput(orchestrators, clients);
    } finally {
      await Promise.all([orchestrators.background.stop(), orchestrators.pipelined.stop(), orchestrators.writeAhead.stop()]);
      await Promise.all([deleteRun(runs.background), deleteRun(runs.pipelined), deleteRun(runs.writeAhead)]);
    }
    const probe = await commitProbe();
    const rec = await recovery(services.urls, clients);

    const median = (values: number[]) => percentile(values, 50);
    console.log(`\nSaga benchmark: nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    console.log(`Latency, one at a time (${config.rounds} rotating rounds of ${config.perRound} per side, after ${config.warmup} warm-up each${config.sendEarly === false ? '; background log without its early send' : ''}):`);
    const lat = measured.samples;
    console.log('| | p50 | p99 | mean | p50 / chain p50 | bench-process CPU per run, mean |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const chainP50 = percentile(lat.chain, 50);
    for (const side of SIDES) {
      const values = lat[side];
      const ratio = percentile(values, 50) / chainP50;
      console.log(`| ${SIDE_LABELS[side]} | ${ms(percentile(values, 50))} | ${ms(percentile(values, 99))} | ${ms(values.reduce((a, b) => a + b, 0) / values.length)} | ${ratio.toFixed(2)}× | ${ms(measured.cpu[side].reduce((a, b) => a + b, 0) / measured.cpu[side].length)} |`);
    }
    for (const side of ['background', 'writeAhead', 'pipelined'] as const) {
      const ratio = percentile(lat[side], 50) / chainP50;
      console.log(`${side} saga / chain at p50: ${ratio.toFixed(2)}× (goal ≤ 1.3×: ${ratio <= 1.3 ? 'met' : 'missed'}); added per saga at p50: ${ms(percentile(lat[side], 50) - chainP50)}`);
    }
    console.log(
      `Commit cost (${config.probeWrites} sequential writes of one state and one history record): transaction p50 ${ms(percentile(probe.transaction, 50))} p99 ${ms(percentile(probe.transaction, 99))}; back to back on one producer p50 ${ms(percentile(probe.backToBack, 50))} p99 ${ms(percentile(probe.backToBack, 99))}, on two taking turns p50 ${ms(percentile(probe.alternating, 50))} p99 ${ms(percentile(probe.alternating, 99))}; same records without a transaction (idempotent, acks=all) p50 ${ms(percentile(probe.produce, 50))} p99 ${ms(percentile(probe.produce, 99))}; a write-ahead 5-step saga waits for 6 transactions in sequence, a pipelined one for about one, a background one for its last (its only one when it ends within the linger)`,
    );
    console.log(
      `Throughput, ${config.concurrency} in flight, ${config.throughputRounds} rounds of ${config.throughputSeconds} s per side: ${THROUGHPUT_SIDES.map((side) => `${side} ${median(rates[side]).toFixed(0)}/s (${rates[side].map((r) => r.toFixed(0)).join(', ')})`).join('; ')}`,
    );
    console.log(
      `Recovery of ${rec.sagas} in-flight sagas (${config.recoveryRpc ? 'five RPCs' : 'local steps'}, ${config.recoveryLogMode ?? 'default'} log) after kill -9 (parked in ${(rec.parkMs / 1000).toFixed(1)} s): partitions claimed and rebuilt ${(rec.claimedMs / 1000).toFixed(1)} s, all resumed ${(rec.resumedMs / 1000).toFixed(1)} s, all finished ${(rec.finishedMs / 1000).toFixed(1)} s after the new coordinator's start (goal < 30 s: ${rec.finishedMs < 30_000 ? 'met' : 'missed'})`,
    );
  } finally {
    clients.close();
    await services.stop();
  }
}

await main();
process.exit(0);
