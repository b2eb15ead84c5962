// Steady-state CPU profile of one telemetry mode: client and server of the
// A/B worker in one process, a warm-up, then a profile of a closed loop only
// (no start-up, no module loading, no JIT warm-up), summarised as self time
// per call by package and by function. The profile is written too, with its
// call count (`calls`), for DevTools or a diff against another mode.
//   npx tsx bench/telemetry/telemetry-profile.ts <mode> [out.cpuprofile]
// Knobs: BENCH_PROF_WARMUP_MS (default 10000), BENCH_PROF_MS (default 4000),
// BENCH_PROF_TOP (rows per table, default 25). Main thread only: V8's
// background compiler and GC threads do not show (telemetry-threads.ts).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createSink } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';

const [mode = 'on-100', out = `telemetry-${mode}.cpuprofile`] = process.argv.slice(2);
const TOP = envInt('BENCH_PROF_TOP', 25);
const sink = createSink((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fork(fileURLToPath(new URL('./telemetry-ab-worker.ts', import.meta.url)), [root, mode, endpoint], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BENCH_AB_PROFILE_OUT: out },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
await next();
child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_WARMUP_MS', 10_000) });
await next();
child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_MS', 4000), profile: true });
console.log(JSON.stringify(await next()));
child.disconnect();
await once(child, 'exit');
sink.close();

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(out, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; calls: number };
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i + 1] ?? 0;
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const path = url.replace(/^file:\/\//, '').replace(root, '').replace(/.*node_modules\//, '');
  const pkg = /^(@[^/]+\/[^/]+|[^/]+)/.exec(path)?.[1] ?? (functionName || '(native)');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${path}:${lineNumber}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
});
for (const [title, table] of [['package or top folder', byPackage], ['function', byFunction]] as const) {
  console.log(`\n| self µs/call | ${title} |\n| ---: | --- |`);
  for (const [key, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`| ${(us / profile.calls).toFixed(2)} | ${key} |`);
}
