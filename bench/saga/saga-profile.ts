// Steady-state CPU profile of the coordinator process (bench process side)
// running one kind of saga at a time, one after the other, as the latency
// phase of saga.bench.ts does: a warm-up, then a profiled run, summarised as
// self time per saga by package and by function, beside CPU time per saga.
//   KAFKA_BROKERS=… npx tsx bench/saga/saga-profile.ts [chain|background|memory|local] [out.cpuprofile]
// `memory` is the background saga with persist: false (no log); `local` is that
// saga with steps that answer at once (no RPC): the coordinator's own work.
// Knobs: BENCH_PROF_WARMUP (sagas, default 300), BENCH_PROF_SAGAS (default 300), BENCH_PROF_TOP,
// BENCH_SAGA_SEND_EARLY=0 (the background log's early send off).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { createKafka } from '../../src/kafka/index.js';
import { createSagaOrchestrator } from '../../src/saga/index.js';
import { envInt } from '../env-int.js';
import { printCpuProfileTables, type CpuProfile } from '../profile-tables.js';
import { benchClients, benchLogOptions, benchSaga, runChain, startServicesProcess } from './bench-saga.js';

const [kind = 'background', out = `saga-${kind}.cpuprofile`] = process.argv.slice(2);
const TOP = envInt('BENCH_PROF_TOP', 30);
const services = await startServicesProcess();
const clients = benchClients(services.urls);
const run = `bench-saga-prof-${randomUUID().slice(0, 8)}`;
const sendEarly = process.env['BENCH_SAGA_SEND_EARLY'] === undefined ? undefined : process.env['BENCH_SAGA_SEND_EARLY'] !== '0';
const orchestrator = createSagaOrchestrator({
  ...(sendEarly !== undefined ? { logSendEarly: sendEarly } : {}),
  kafka: createKafka({ clientId: 'bench-saga-prof' }),
  ...benchLogOptions(run),
});
const definition = { ...benchSaga(clients, { local: kind === 'local' }), ...(kind === 'memory' || kind === 'local' ? { persist: false } : {}) };
orchestrator.register(definition);
const one = async () => {
  if (kind === 'chain') return runChain(clients, randomUUID());
  const result = await orchestrator.execute(definition.name, { tag: randomUUID() });
  if (result.status !== 'completed') throw new Error(`saga ended ${result.status}`);
};
await orchestrator.start();
for (let i = 0; i < envInt('BENCH_PROF_WARMUP', 300); i++) await one();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const count = envInt('BENCH_PROF_SAGAS', 300);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < count; i++) await one();
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
writeFileSync(out, JSON.stringify(profile));
console.log(`${kind}: ${(wall / count).toFixed(2)} ms wall per saga, ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms CPU per saga (all threads)`);
await orchestrator.stop();
await services.stop();

printCpuProfileTables(profile, { root: fileURLToPath(new URL('../..', import.meta.url)), per: count, unit: 'self µs/saga', top: TOP, digits: 1 });
process.exit(0);
