// Compares the CPU profiles the telemetry bench writes (BENCH_TELEMETRY_PROF)
// of two modes, side by side, by category: V8's own entries ((garbage
// collector), (program), (idle)), Node's internals by module (node:http2,
// node:internal/...), native functions, and the rest by package or top
// folder; then the functions whose self time per call moved most.
//   npx tsx bench/telemetry/telemetry-profile-compare.ts <dir> [base mode] [mode]
// (modes default to off and on-100; `:` in a mode is `_` in the file name).
// Main thread only: background compile and GC threads do not show.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';
import { frameKeys, type CpuProfile, type ProfileFrame } from '../profile-tables.js';

const [dir, base = 'off', mode = 'on-100'] = process.argv.slice(2);
if (!dir) throw new Error('usage: telemetry-profile-compare.ts <dir> [base mode] [mode]');
const root = fileURLToPath(new URL('../..', import.meta.url));
const top = envInt('BENCH_PROF_TOP', 20);

/** category names where a frame's self time goes, coarsely: V8, Node internals, native, or a package. */
function category(frame: ProfileFrame): string {
  if (frame.functionName.startsWith('(')) return frame.functionName;
  if (frame.url.startsWith('node:')) return frame.url.replace(/^node:(internal\/)?/, 'node:').replace(/^(node:[^/]+).*$/, '$1');
  if (frame.url === '') return '(native)';
  return frameKeys(frame, root).pkg;
}

function tables(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile & { calls: number; startTime: number; endTime: number };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const us = (profile.timeDeltas[index + 1] ?? 0) / profile.calls;
    const frame = nodes.get(id)!.callFrame;
    const c = category(frame);
    byCategory.set(c, (byCategory.get(c) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${frameKeys(frame, root).path}:${frame.lineNumber}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  return { byCategory, byFunction, calls: profile.calls, wallUsPerCall: (profile.endTime - profile.startTime) / profile.calls };
}

function printDiff(title: string, a: Map<string, number>, b: Map<string, number>, rows: number) {
  const keys = [...new Set([...a.keys(), ...b.keys()])].map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 }));
  keys.sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a));
  console.log(`\n| ${title} | ${base} µs/call | ${mode} µs/call | difference |\n| --- | ---: | ---: | ---: |`);
  for (const { k, a: x, b: y } of keys.slice(0, rows)) console.log(`| ${k} | ${x.toFixed(1)} | ${y.toFixed(1)} | ${(y - x >= 0 ? '+' : '') + (y - x).toFixed(1)} |`);
}

for (const side of ['client', 'server']) {
  const a = tables(join(dir, `${side}-${base.replace(/[:#]/g, '_')}.cpuprofile`));
  const b = tables(join(dir, `${side}-${mode.replace(/[:#]/g, '_')}.cpuprofile`));
  const busy = (t: ReturnType<typeof tables>) => [...t.byCategory].filter(([k]) => k !== '(idle)').reduce((n, [, v]) => n + v, 0);
  console.log(`\n## ${side}: ${base} ${a.calls} calls, ${a.wallUsPerCall.toFixed(0)} µs wall and ${busy(a).toFixed(1)} µs busy per call; ${mode} ${b.calls} calls, ${b.wallUsPerCall.toFixed(0)} µs wall and ${busy(b).toFixed(1)} µs busy per call`);
  printDiff('category', a.byCategory, b.byCategory, top);
  printDiff('function', a.byFunction, b.byFunction, top);
}
