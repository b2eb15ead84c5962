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
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';
import { frameKeys, printTable, type ProfileFrame } from '../profile-tables.js';
import { runTelemetryWorker } from './telemetry-worker-run.js';

const [mode = 'on-100', out = `telemetry-${mode}.heapprofile`] = process.argv.slice(2);
const TOP = envInt('BENCH_PROF_TOP', 25);
const root = process.env.BENCH_ALLOC_TREE ?? fileURLToPath(new URL('../..', import.meta.url));
console.log(JSON.stringify(await runTelemetryWorker(root, mode, out, { allocations: true })));

interface HeapNode {
  callFrame: ProfileFrame;
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
let total = 0;
const walk = (node: HeapNode, own: string | undefined) => {
  const { pkg, fn: name, path } = frameKeys(node.callFrame, root);
  const ownHere = /^(src|gen)\//.test(path) ? name : own;
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(byPackage, pkg, node.selfSize);
    add(byFunction, name, node.selfSize);
    add(byOwnCode, ownHere ?? '(outside the toolkit)', node.selfSize);
  }
  for (const child of node.children) walk(child, ownHere);
};
walk(head, undefined);
void samples;
console.log(`\nallocated: ${(total / calls).toFixed(0)} bytes/call over ${calls} calls`);
for (const [title, table] of [['package or top folder', byPackage], ['allocating function', byFunction], ['innermost toolkit function above', byOwnCode]] as const) {
  printTable(table, title, 'bytes/call', calls, TOP, 0);
}
