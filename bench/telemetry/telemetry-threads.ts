// CPU per call by thread, slice after slice, for one A/B worker (client and
// server of the telemetry bench in one process) in one telemetry mode: the
// main thread against all others (V8's compiler and GC helpers, libuv), read
// from /proc (Linux). Shows how long a process takes to reach steady state:
// V8 compiles hot code on background threads, and process.cpuUsage, which
// the benches divide by calls, counts their time too.
//   npx tsx bench/telemetry/telemetry-threads.ts <mode> [node flags...]
// e.g. `on-100 --single-threaded-gc` to move GC work to the main thread,
// leaving compilation on the others. Knobs: BENCH_THREADS_SLICES (default 8),
// BENCH_THREADS_SLICE_MS (default 3000).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';
import type { AbMode, AbReport } from './telemetry-ab-worker.js';

const [mode = 'on-100', ...nodeFlags] = process.argv.slice(2) as [AbMode?, ...string[]];
const SLICES = envInt('BENCH_THREADS_SLICES', 8);
const SLICE_MS = envInt('BENCH_THREADS_SLICE_MS', 3000);
// USER_HZ: /proc reports CPU time in clock ticks of 10 ms.
const TICK_US = 10_000;

const sink = createServer((req, res) => req.on('data', () => {}).on('end', () => res.writeHead(200).end()));
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fork(fileURLToPath(new URL('./telemetry-ab-worker.ts', import.meta.url)), [root, mode, endpoint], {
  execArgv: ['--import', 'tsx', ...nodeFlags],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));

/** threadTicks returns the worker's CPU ticks so far: its main thread and all others. */
function threadTicks(): { main: number; others: number } {
  const ticks = { main: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
    const stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name; utime and stime are the 14th and 15th of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = Number(fields[11]) + Number(fields[12]);
    if (tid === String(child.pid)) ticks.main += used;
    else ticks.others += used;
  }
  return ticks;
}

await next<string>();
console.log(`${mode}${nodeFlags.length ? ` (${nodeFlags.join(' ')})` : ''}: CPU µs per call by ${SLICE_MS} ms slice of load, from the first`);
for (let slice = 0; slice < SLICES; slice++) {
  const before = threadTicks();
  child.send({ concurrency: 32, durationMs: SLICE_MS });
  const report = await next<AbReport>();
  const after = threadTicks();
  const per = (ticks: number) => ((ticks * TICK_US) / Math.max(1, report.calls)).toFixed(0);
  console.log(
    `slice ${slice + 1}: ${report.calls} calls, ${report.cpuUs.toFixed(0)} µs/call; main thread ${per(after.main - before.main)}, other threads ${per(after.others - before.others)}`,
  );
}
child.disconnect();
await once(child, 'exit');
sink.close();
