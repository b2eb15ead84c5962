// Steady-state CPU profile of one telemetry mode: client and server of the
// A/B worker in one process, a warm-up, then a profile of a closed loop only
// (no start-up, no module loading, no JIT warm-up), summarised as self time
// per call by package and by function. The profile is written too, with its
// call count (`calls`), for DevTools or a diff against another mode.
//   npx tsx bench/telemetry/telemetry-profile.ts <mode> [out.cpuprofile]
// Knobs: BENCH_PROF_WARMUP_MS (default 10000), BENCH_PROF_MS (default 4000),
// BENCH_PROF_TOP (rows per table, default 25). Main thread only: V8's
// background compiler and GC threads do not show (telemetry-threads.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';
import { printCpuProfileTables, type CpuProfile } from '../profile-tables.js';
import { runTelemetryWorker } from './telemetry-worker-run.js';

const [mode = 'on-100', out = `telemetry-${mode}.cpuprofile`] = process.argv.slice(2);
const root = fileURLToPath(new URL('../..', import.meta.url));
console.log(JSON.stringify(await runTelemetryWorker(root, mode, out, { profile: true })));
const profile = JSON.parse(readFileSync(out, 'utf8')) as CpuProfile & { calls: number };
printCpuProfileTables(profile, { root, per: profile.calls, unit: 'self µs/call', top: envInt('BENCH_PROF_TOP', 25) });
