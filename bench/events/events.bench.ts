// Events benchmark: the event bus and replay against raw kafkajs on the same
// broker, in the same run, on fresh topics. Run alone with
//   npx tsx bench/events/events.bench.ts
// Sizes can be changed with BENCH_EVENTS_* variables (see bench-config.ts).
//
// The parent process provisions the topics and fills the one consume and
// replay read; then, round after round, it starts one process per side,
// and the two take turns: each scenario is warmed up and measured by one
// side, then by the other (who goes first alternates). One process per side
// keeps the sides from sharing process-wide state: the bus's subscriptions
// turn on AsyncLocalStorage, whose promise hooks then slow every promise of
// the process, kafkajs's included; the heap and the JIT are not shared either.
// Fresh processes each round keep replay (measured before consume) free of it.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createEventBus } from '../../src/events/index.js';
import { ensureKafka } from '../../src/kafka/ensure-kafka.js';
import { createKafka, ensureTopics } from '../../src/kafka/index.js';
import { formatRate, summarize, type PairResult, type PairSummary } from './bench-stats.js';
import { benchConfig as config, CHANNEL, entry, GOAL } from './bench-config.js';
import { eventScenarios } from './event-scenarios.js';
import { startSide, type BenchTopics } from './side-process.js';

async function provision(brokers: string[]): Promise<{ topics: BenchTopics; cleanUp: () => Promise<void> }> {
  const run = randomUUID().slice(0, 8);
  const topics: BenchTopics = { brokers, meshPrefix: `bench-${run}.`, rawTopic: `bench-${run}-raw.${CHANNEL}`, readPrefix: `bench-${run}-read.`, groupPrefix: `bench-${run}` };
  const kafka = createKafka({ clientId: `bench-events-${run}`, brokers });
  const bus = createEventBus({ source: 'bench', kafka, topicPrefix: topics.meshPrefix });
  const readBus = createEventBus({ source: 'bench', kafka, topicPrefix: topics.readPrefix });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await bus.provisionChannels([CHANNEL]);
    await readBus.provisionChannels([CHANNEL]);
    await ensureTopics(admin, [{ topic: topics.rawTopic, partitions: config.partitions }]);
    for (let i = 0; i < config.consumeRecords; i += 1000) {
      await readBus.publishBatch(Array.from({ length: Math.min(1000, config.consumeRecords - i) }, (_, j) => entry(i + j)));
    }
  } finally {
    await Promise.allSettled([bus.close(), readBus.close()]);
  }
  const cleanUp = async () => {
    // The bench's topics and groups are of no use afterwards; leave the broker as it was.
    const own = [`${topics.meshPrefix}${CHANNEL}`, `${topics.readPrefix}${CHANNEL}`, topics.rawTopic];
    const created = (await admin.listTopics()).filter((topic) => own.some((name) => topic === name || topic === `${name}.dlq`));
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(topics.groupPrefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  };
  return { topics, cleanUp };
}

function machine(): string {
  return `nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

function report(summaries: PairSummary[], rounds: number, totalMs: number): void {
  console.log(`\nEvents benchmark: ${machine()}, ${rounds} rounds (a process per side and round, taking turns scenario by scenario), ${(totalMs / 1000).toFixed(1)} s in all`);
  console.log('| scenario | mesh rec/s (median) | raw kafkajs rec/s (median) | raw baseline | ratio of medians | median of round ratios | goal ≥ 0.8× | client CPU µs/record, mesh / raw | dispatch-only ratio |');
  console.log('| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |');
  for (const s of summaries) {
    const met = Math.min(s.ratio, s.roundRatio) >= GOAL ? 'met' : 'NOT met';
    const dispatch = s.dispatchRatio === undefined ? '' : `${s.dispatchRatio.toFixed(2)}×`;
    console.log(
      `| ${s.name} | ${formatRate(s.meshMedian)} | ${formatRate(s.rawMedian)} | ${s.baseline} | ${s.ratio.toFixed(2)}× | ${s.roundRatio.toFixed(2)}× | ${met} | ${s.meshCpu.toFixed(1)} / ${s.rawCpu.toFixed(1)} | ${dispatch} |`,
    );
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const broker = await ensureKafka();
  try {
    const { topics, cleanUp } = await provision(broker.brokers);
    try {
      const results: PairResult[] = eventScenarios.map((s) => ({ name: s.name, baseline: s.baseline, mesh: [], raw: [], meshDispatch: [], rawDispatch: [], meshCpu: [], rawCpu: [] }));
      let rounds = 0;
      for (let round = 0; round < config.rounds; round++) {
        const elapsed = performance.now() - started;
        if (round >= config.minRounds && elapsed + elapsed / (round + 1) > config.budgetMs) break;
        rounds += 1;
        // Both sides' processes are up for the whole round and take turns, so the two measurements of a pair are seconds apart.
        const sides = await Promise.all([startSide('mesh', topics), startSide('raw', topics)]);
        const processes = { mesh: sides[0], raw: sides[1] };
        try {
          for (const [index, result] of results.entries()) {
            // Alternate which side goes first, so a slow phase of the machine hits both alike.
            const order = (round + index) % 2 === 0 ? (['mesh', 'raw'] as const) : (['raw', 'mesh'] as const);
            for (const side of order) {
              const m = await processes[side].run(index);
              result[side].push(m.rate);
              result[side === 'mesh' ? 'meshCpu' : 'rawCpu'].push(m.cpuPerRecord);
              if (m.dispatch !== undefined) result[side === 'mesh' ? 'meshDispatch' : 'rawDispatch'].push(m.dispatch);
            }
          }
        } finally {
          await Promise.allSettled([processes.mesh.close(), processes.raw.close()]);
        }
        for (const result of results) process.stderr.write(`round ${round + 1} ${result.name}: mesh ${formatRate(result.mesh.at(-1)!)} raw ${formatRate(result.raw.at(-1)!)} rec/s\n`);
      }
      report(results.map(summarize), rounds, performance.now() - started);
      console.log(`\n${JSON.stringify({ bench: 'events', machine: machine(), config, results: results.map((r) => ({ ...summarize(r), mesh: r.mesh, raw: r.raw })) })}`);
    } finally {
      await cleanUp();
    }
  } finally {
    await broker.stop();
  }
}

await main();
