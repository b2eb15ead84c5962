// Sampled allocations of one telemetry mode in steady state: client and
// server of the A/B worker in one process, a warm-up, then V8's sampling heap
// profiler over a closed loop, counting objects that died young too, summed
// as bytes allocated per call by package and by function (the allocating
// frame, and the first frame of the toolkit's own code above it). Bytes, unlike
// time, hardly depend on the machine's load, so two modes or two trees can be
// compared on a busy machine.
//   npx tsx bench/telemetry/telemetry-alloc.ts <mode> [out.heapprofile]
// Knobs: BENCH_ALLOC_TREE (source tree, default this one), BENCH_PROF_WARMUP_MS
// (default 10000), BENCH_PROF_MS (default 4000), BENCH_PROF_TOP (rows, default 25).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createSink } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';

const [mode = 'on-100', out = `telemetry-${mode}.heapprofile`] = process.argv.slice(2);
const TOP = envInt('BENCH_PROF_TOP', 25);
const sink = createSink((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const root = process.env.BENCH_ALLOC_TREE ?? fileURLToPath(new URL('../..', import.meta.url));
const child = fork(fileURLToPath(new URL('./telemetry-ab-worker.ts', import.meta.url)), [root, mode, endpoint], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BENCH_AB_PROFILE_OUT: out },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
await next();
child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_WARMUP_MS', 10_000) });
await next();
child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_MS', 4000), allocations: true });
console.log(JSON.stringify(await next()));
child.disconnect();
await once(child, 'exit');
sink.close();

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  id: number;
  children: HeapNode[];
}
const { head, samples, calls } = JSON.parse(readFileSync(out, 'utf8')) as { head: HeapNode; samples: Array<{ size: number; nodeId: number }>; calls: number };
// selfSize of the sampling profile is already scaled to an estimate of all allocations.
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const byOwnCode = new Map<string, number>();
const add = (table: Map<string, number>, key: string, bytes: number) => table.set(key, (table.get(key) ?? 0) + bytes);
const where = (frame: HeapNode['callFrame']) => frame.url.replace(/^file:\/\//, '').replace(root, '').replace(/.*node_modules\//, '');
let total = 0;
const walk = (node: HeapNode, own: string | undefined) => {
  const path = where(node.callFrame);
  const name = `${node.callFrame.functionName || '(anonymous)'} ${path}:${node.callFrame.lineNumber}`;
  const ownHere = /^(src|gen)\//.test(path) ? name : own;
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(byPackage, /^(@[^/]+\/[^/]+|[^/]+)/.exec(path)?.[1] ?? (node.callFrame.functionName || '(native)'), node.selfSize);
    add(byFunction, name, node.selfSize);
    add(byOwnCode, ownHere ?? '(outside the toolkit)', node.selfSize);
  }
  for (const child of node.children) walk(child, ownHere);
};
walk(head, undefined);
void samples;
console.log(`\nallocated: ${(total / calls).toFixed(0)} bytes/call over ${calls} calls`);
for (const [title, table] of [['package or top folder', byPackage], ['allocating function', byFunction], ['innermost toolkit function above', byOwnCode]] as const) {
  console.log(`\n| bytes/call | ${title} |\n| ---: | --- |`);
  for (const [key, bytes] of [...table].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`| ${(bytes / calls).toFixed(0)} | ${key} |`);
}
