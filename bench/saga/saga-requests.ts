// The Kafka requests the coordinator makes per saga, by API, and which of
// them lie on the saga's critical path: the bench saga runs one at a time (as
// the latency phase of saga.bench.ts does) on a coordinator whose producers
// and consumer report every request (kafkajs instrumentation, REQUEST
// events). A request is counted to the saga in which its answer arrived; it is
// on the *tail* when its answer came after the last step's answer. Also
// timed: *tail* = last step's answer → outcome, *steps* = the rest.
//   KAFKA_BROKERS=… npx tsx bench/saga/saga-requests.ts [variant,…]
// Variants (default chain,background,memory), run in turn one saga each so
// that a change of machine load hits all alike: `chain` (the five RPCs),
// `background` (the default coordinator), `early-off` (logSendEarly: false),
// `memory` (persist: false: no log), and `background-lookup`,
// `early-off-lookup`: the same on kafkajs's own producers, which look the
// transaction coordinator up before every AddPartitionsToTxn and EndTxn (the
// saga log's producers remember it: createTransactionalProducer); and
// `one-produce`, a probe: the `memory` saga, then one idempotent acks=all
// Produce of two history records and a snapshot, the least a saga log
// without transactions would add (no such log exists). Each saga
// coordinator has its own topics and transactional ids.
// Knobs: BENCH_REQ_WARMUP (sagas per variant, default 50), BENCH_REQ_SAGAS
// (default 200), BENCH_REQ_GAP_MS (a pause
// between sagas, so the broker's work after a commit ends before the next),
// BENCH_REQ_INFLIGHT (> 1: sagas in flight together instead, reporting
// requests per saga and sagas per second; BENCH_REQ_SECONDS per variant and round).
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { createKafka } from '../../src/kafka/index.js';
import { createSagaOrchestrator, type SagaOrchestrator } from '../../src/saga/index.js';
import { envInt } from '../env-int.js';
import { benchClients, benchLogOptions, benchSaga, runChain, startServicesProcess } from './bench-saga.js';

const variants = (process.argv[2] ?? 'chain,background,memory').split(',');
const gapMs = envInt('BENCH_REQ_GAP_MS', 0);
interface Seen {
  api: string;
  /** answered: performance.now() when the answer was handled. */
  answered: number;
  /** duration: kafkajs's sent → answered, whole ms (Date.now). */
  duration: number;
}
let seen: Seen[] = [];
const record = (event: { payload: { apiName: string; duration: number } }) => {
  seen.push({ api: event.payload.apiName, answered: performance.now(), duration: event.payload.duration });
};
const listen = <T extends Producer | Consumer>(client: T): T => {
  (client as Producer).on((client as Producer).events.REQUEST, record);
  return client;
};
const kafka = createKafka({ clientId: 'bench-saga-req' });
// `this` is kept: createTransactionalProducer calls producer on a view of the client that remembers the coordinator.
const instrumented: Kafka = Object.assign(Object.create(kafka) as Kafka, {
  producer(this: Kafka, config?: Parameters<Kafka['producer']>[0]) {
    return listen(kafka.producer.call(this, config));
  },
  consumer: (config: Parameters<Kafka['consumer']>[0]) => listen(kafka.consumer(config)),
});
// The `-lookup` variants' producers are kafkajs's own, which look the coordinator up before each request.
const instrumentedLookup: Kafka = Object.assign(Object.create(kafka) as Kafka, {
  producer: (config?: Parameters<Kafka['producer']>[0]) => listen(kafka.producer(config)),
  consumer: (config: Parameters<Kafka['consumer']>[0]) => listen(kafka.consumer(config)),
});

const services = await startServicesProcess();
const clients = benchClients(services.urls);
const base = benchSaga(clients);
let lastAnswer = 0;
// Each step's call is timed; the last step's answer marks where the tail starts.
let stepTimes: number[] = [];
const steps = base.steps.map((step, index) => ({
  ...step,
  execute: async (ctx: never) => {
    const t0 = performance.now();
    const result = await (step.execute as (ctx: never) => Promise<unknown>)(ctx);
    lastAnswer = performance.now();
    stepTimes[index] = lastAnswer - t0;
    return result;
  },
}));

const orchestrators = new Map<string, SagaOrchestrator>();
const definitions = new Map<string, typeof base>();
for (const variant of variants) {
  if (variant === 'chain') continue;
  if (!['background', 'early-off', 'memory', 'background-lookup', 'early-off-lookup', 'one-produce'].includes(variant)) throw new Error(`unknown variant ${variant}`);
  const run = `bench-saga-req-${variant}-${randomUUID().slice(0, 8)}`;
  const orchestrator = createSagaOrchestrator({
    kafka: variant.endsWith('-lookup') ? instrumentedLookup : instrumented,
    ...(variant.startsWith('early-off') ? { logSendEarly: false } : {}),
    ...benchLogOptions(run),
  });
  const definition = { ...base, steps, ...(variant === 'memory' || variant === 'one-produce' ? { persist: false } : {}) } as typeof base;
  orchestrator.register(definition);
  await orchestrator.start();
  orchestrators.set(variant, orchestrator);
  definitions.set(variant, definition);
}

// The `one-produce` probe's records: sizes of a bench saga's last transitions and final snapshot.
const probeTopic = `bench-saga-req-probe-${randomUUID().slice(0, 8)}`;
const probeProducer = variants.includes('one-produce') ? instrumented.producer({ idempotent: true, maxInFlightRequests: 1 }) : undefined;
if (probeProducer) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `${probeTopic}-history` }, { topic: `${probeTopic}-state` }], waitForLeaders: true });
  await admin.disconnect();
  await probeProducer.connect();
}
const probeAppend = (sagaId: string) =>
  probeProducer!.sendBatch({
    acks: -1,
    topicMessages: [
      { topic: `${probeTopic}-history`, messages: [{ key: sagaId, value: Buffer.alloc(200) }, { key: sagaId, value: Buffer.alloc(120) }] },
      { topic: `${probeTopic}-state`, messages: [{ key: sagaId, value: Buffer.alloc(900) }] },
    ],
  });

interface Sample {
  lastAnswer: number;
  end: number;
  total: number;
  tail: number;
  cpu: number;
  /** stepTimes: each call's duration (the chain's too). */
  stepTimes: number[];
  requests: Seen[];
  /** tailRequests answered after the last step's answer. */
  tailRequests: Seen[];
}
const one = async (variant: string): Promise<Sample> => {
  if (gapMs > 0) await sleep(gapMs);
  seen = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  stepTimes = [];
  if (variant === 'chain') {
    await runChain(clients, randomUUID(), (index, ms) => (stepTimes[index] = ms));
    lastAnswer = performance.now();
  } else {
    const result = await orchestrators.get(variant)!.execute(definitions.get(variant)!.name, { tag: randomUUID() });
    if (result.status !== 'completed') throw new Error(`saga ended ${result.status}`);
    if (variant === 'one-produce') await probeAppend(result.sagaId);
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const requests = seen;
  return { lastAnswer, end: t1, total: t1 - t0, tail: t1 - lastAnswer, cpu: (cpu.user + cpu.system) / 1000, stepTimes, requests, tailRequests: requests.filter((r) => r.answered >= lastAnswer) };
};
const inflight = envInt('BENCH_REQ_INFLIGHT', 1);
if (inflight > 1) {
  // Sagas in flight together: requests per saga by API and sagas per second,
  // each variant in turn for BENCH_REQ_SECONDS, three rounds.
  const seconds = envInt('BENCH_REQ_SECONDS', 3);
  const totals = new Map<string, { sagas: number; ms: number; cpu: number; requests: Map<string, number> }>();
  const load0 = loadavg()[0]!;
  for (let round = 0; round < 4; round++) {
    for (const variant of variants) {
      seen = [];
      const deadline = performance.now() + seconds * 1000;
      let sagas = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inflight }, async () => {
          while (performance.now() < deadline) {
            if (variant === 'chain') await runChain(clients, randomUUID());
            else await orchestrators.get(variant)!.execute(definitions.get(variant)!.name, { tag: randomUUID() });
            sagas++;
          }
        }),
      );
      // The first round warms up.
      if (round === 0) continue;
      const cpu = process.cpuUsage(cpu0);
      const total = totals.get(variant) ?? totals.set(variant, { sagas: 0, ms: 0, cpu: 0, requests: new Map() }).get(variant)!;
      total.sagas += sagas;
      total.ms += performance.now() - t0;
      total.cpu += (cpu.user + cpu.system) / 1000;
      for (const r of seen) total.requests.set(r.api, (total.requests.get(r.api) ?? 0) + 1);
    }
  }
  console.log(`${inflight} in flight, 3 rounds of ${seconds} s per variant, in turn; load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
  for (const [variant, total] of totals) {
    const requests = [...total.requests].sort((a, b) => b[1] - a[1]);
    const all = requests.reduce((n, [, c]) => n + c, 0);
    console.log(`${variant}: ${((total.sagas / total.ms) * 1000).toFixed(0)}/s, CPU ${(total.cpu / total.sagas).toFixed(2)} ms per saga, requests per saga ${(all / total.sagas).toFixed(2)} (${requests.map(([api, c]) => `${api} ${(c / total.sagas).toFixed(2)}`).join(', ')})`);
  }
  for (const orchestrator of orchestrators.values()) await orchestrator.stop();
  await services.stop();
  process.exit(0);
}
const warmup = envInt('BENCH_REQ_WARMUP', 50);
for (let i = 0; i < warmup; i++) for (const variant of variants) await one(variant);
const load0 = loadavg()[0]!;
const count = envInt('BENCH_REQ_SAGAS', 200);
const samplesOf = new Map<string, Sample[]>(variants.map((variant) => [variant, []]));
// The order rotates, so no variant always follows the same one.
for (let i = 0; i < count; i++) for (let k = 0; k < variants.length; k++) {
  const variant = variants[(i + k) % variants.length]!;
  samplesOf.get(variant)!.push(await one(variant));
}
const load1 = loadavg()[0]!;
for (const orchestrator of orchestrators.values()) await orchestrator.stop();
await probeProducer?.disconnect();
await services.stop();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
console.log(`${count} of each, one at a time, in turn${gapMs ? `, ${gapMs} ms apart` : ''}; load ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
const chainP50 = samplesOf.has('chain') ? median(samplesOf.get('chain')!.map((s) => s.total)) : Number.NaN;
for (const [variant, samples] of samplesOf) {
  const byApi = (pick: (s: Sample) => Seen[]) => {
    const counts = new Map<string, number>();
    for (const sample of samples) for (const r of pick(sample)) counts.set(r.api, (counts.get(r.api) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([api, n]) => `${api} ${(n / count).toFixed(2)}`).join(', ');
  };
  // The tail's requests in answer order: the time from the previous answer (or the last step's) to each.
  const gaps = new Map<string, number[]>();
  const after: number[] = [];
  for (const sample of samples) {
    let previous = sample.lastAnswer;
    sample.tailRequests.forEach((r, index) => {
      const key = `${index + 1}. ${r.api}`;
      (gaps.get(key) ?? gaps.set(key, []).get(key)!).push(r.answered - previous);
      previous = r.answered;
    });
    after.push(sample.end - previous);
  }
  const p50 = median(samples.map((s) => s.total));
  console.log(`${variant}: p50 ${p50.toFixed(2)} ms (${(p50 / chainP50).toFixed(2)}× chain), tail ${median(samples.map((s) => s.tail)).toFixed(2)} ms, steps ${median(samples.map((s) => s.total - s.tail)).toFixed(2)} ms; CPU mean ${mean(samples.map((s) => s.cpu)).toFixed(2)} ms per saga`);
  console.log(`  step calls p50: ${base.steps.map((_, index) => median(samples.map((s) => s.stepTimes[index]!)).toFixed(2)).join(' / ')} ms; gaps between calls ${median(samples.map((s) => s.total - s.tail - s.stepTimes.reduce((a, b) => a + b, 0))).toFixed(2)} ms`);
  if (variant === 'chain' || variant === 'memory') continue;
  console.log(`  requests per saga: ${(samples.reduce((n, s) => n + s.requests.length, 0) / count).toFixed(2)} (${byApi((s) => s.requests)})`);
  console.log(`  on the tail: ${(samples.reduce((n, s) => n + s.tailRequests.length, 0) / count).toFixed(2)} (${byApi((s) => s.tailRequests)})`);
  console.log(`  tail, answer by answer (p50 ms since the previous, in ≥ 10 % of sagas): ${[...gaps].filter(([, v]) => v.length >= count / 10).map(([key, v]) => `${key} ${median(v).toFixed(2)} (${v.length})`).join(', ')}, then to the outcome ${median(after).toFixed(2)}`);
}
process.exit(0);
