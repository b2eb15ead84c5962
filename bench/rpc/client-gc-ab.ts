// Client CPU, bytes allocated and bytes promoted per call of the toolkit
// client built from one or more source trees, beside bare connect-es, in one
// process against one toolkit server (not part of `npm run bench`):
//   CLIENT_AB_TREES=/work/main,. npx tsx bench/rpc/client-gc-ab.ts
// Every variant takes turns in short slices (reversed every other round), so
// a busy moment of a shared machine hits them alike. Around each slice it
// reads the process's CPU time and, through v8.GCProfiler, every garbage
// collection: bytes allocated (heap growth between collections), bytes
// promoted to the old generation by scavenges, and the collections' own time.
// Bytes allocated and promoted per call hardly depend on the machine's load;
// CPU time does, so it is reported as medians of per-round differences to
// the first variant. Knobs: CLIENT_AB_ROUNDS, CLIENT_AB_SLICE_MS,
// CLIENT_AB_CONCURRENCY, CLIENT_AB_VARIANTS (toolkit-connect@<tree>,
// bare-connect, bare-connect+headers, bare-connect+deadline: the headers with
// connect-es's own deadline; the default runs all), CLIENT_AB_PROTOCOL
// (connect or grpc: the toolkit clients' protocol and the bare ones').
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics, GCProfiler, type GCProfilerResult } from 'node:v8';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import type { BenchServerReady } from './bench-server.js';
import { median, runClosedLoop } from './closed-loop.js';
import { envInt } from '../env-int.js';

const trees = (process.env.CLIENT_AB_TREES ?? '.').split(',').map((t) => resolve(t));
const rounds = envInt('CLIENT_AB_ROUNDS', 8);
const sliceMs = envInt('CLIENT_AB_SLICE_MS', 600);
const concurrency = envInt('CLIENT_AB_CONCURRENCY', 32);
const protocol = process.env.CLIENT_AB_PROTOCOL === 'grpc' ? 'grpc' : 'connect';

const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/rpc/bench-server.ts', 'toolkit'], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
const ready = await new Promise<BenchServerReady>((ok, fail) => {
  child.once('exit', (code) => fail(new Error(`bench server exited with ${code}`)));
  createInterface({ input: child.stdout! }).once('line', (line) => ok(JSON.parse(line) as BenchServerReady));
});
child.removeAllListeners('exit');
const serverCpuUs = () =>
  new Promise<number>((ok) => {
    child.once('message', (usage: NodeJS.CpuUsage) => ok(usage.user + usage.system));
    child.send('cpu-usage');
  });

const baseUrl = `http://127.0.0.1:${ready.port}`;
const request = { userId: ready.userId };
const contextHeaders = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'x-correlation-id': '6f1c2d9e-3b1a-4c55-9a57-1d2c3b4a5e6f',
};
const timeoutHeader: Record<string, string> = protocol === 'grpc' ? { 'grpc-timeout': '10000m' } : { 'connect-timeout-ms': '10000' };
const bare = createClient(AuthService, protocol === 'grpc' ? createGrpcTransport({ baseUrl }) : createConnectTransport({ baseUrl, httpVersion: '2' }));
const calls = new Map<string, () => Promise<unknown>>([
  ['bare-connect', () => bare.getUser(request)],
  ['bare-connect+headers', () => bare.getUser(request, { headers: { ...timeoutHeader, ...contextHeaders } })],
  ['bare-connect+deadline', () => bare.getUser(request, { headers: contextHeaders, timeoutMs: 10_000 })],
]);
const closers: Array<() => void> = [];
const kits: Array<{ kit: typeof import('../../src/rpc/client/index.js'); service: typeof AuthService }> = [];
for (const tree of trees) {
  const kit = (await import(pathToFileURL(`${tree}/src/rpc/client/index.ts`).href)) as typeof import('../../src/rpc/client/index.js');
  const gen = (await import(pathToFileURL(`${tree}/gen/auth/v1/auth_service_pb.ts`).href)) as typeof import('../../gen/auth/v1/auth_service_pb.js');
  kits.push({ kit, service: gen.AuthService });
}
// toolkit-connect@<tree index>[/<switch>+<switch>...], switches: noping (no keep-alive
// pings), noretry, nobreaker; the default runs each tree's full stack.
const HOST_SPELLINGS = ['127.0.0.1', 'localhost'];
const hostsUsed = new Map<unknown, number>();
function toolkitCall(name: string): (() => Promise<unknown>) | undefined {
  const match = /^toolkit-connect@(\d+)(?:\/(.+))?$/.exec(name);
  if (!match) return undefined;
  const { kit, service } = kits[Number(match[1])]!;
  const switches = new Set(match[2]?.split('+') ?? []);
  // HTTP/2 sessions are shared per origin, and the first client of an origin
  // sets its keep-alive: each client of one tree gets a spelling of its own.
  const used = (hostsUsed.get(kit) ?? 0) + 1;
  hostsUsed.set(kit, used);
  const host = HOST_SPELLINGS[used - 1];
  if (host === undefined) throw new Error(`at most ${HOST_SPELLINGS.length} toolkit variants per tree`);
  const mesh = kit.createMeshClient(service, {
    baseUrls: `http://${host}:${ready.port}`,
    protocol,
    ...(switches.has('noping') && { http2: { pingIntervalMs: Number.POSITIVE_INFINITY } }),
    ...(switches.has('noretry') && { retry: false as const }),
    ...(switches.has('nobreaker') && { breaker: false as const }),
  });
  closers.push(() => mesh.close());
  return () => mesh.client.getUser(request);
}
const names = process.env.CLIENT_AB_VARIANTS?.split(',') ?? [...calls.keys(), ...trees.map((_, i) => `toolkit-connect@${i}`)];
for (const name of names) {
  const call = calls.get(name) ?? toolkitCall(name);
  if (!call) throw new Error(`unknown variant ${name}`);
  calls.set(name, call);
}
// Every call the process makes, warm-up included: a CPU profile's time per call (node --cpu-prof).
let callsMade = 0;
for (const name of names) {
  const call = calls.get(name)!;
  calls.set(name, () => {
    callsMade++;
    return call();
  });
}

interface Slice {
  calls: number;
  clientCpuUs: number;
  serverCpuUs: number;
  allocatedBytes: number;
  promotedBytes: number;
  scavenges: number;
  majorGcs: number;
  gcCostUs: number;
}
const slices = new Map<string, Slice[]>(names.map((n) => [n, []]));

function gcBytes(result: GCProfilerResult, usedAtStart: number, usedAtEnd: number) {
  let allocated = 0;
  let promoted = 0;
  let scavenges = 0;
  let majorGcs = 0;
  let cost = 0;
  let previousAfter = usedAtStart;
  const oldUsed = (stats: GCProfilerResult['statistics'][number]['beforeGC']) =>
    stats.heapSpaceStatistics.filter((s) => s.spaceName === 'old_space' || s.spaceName === 'large_object_space').reduce((sum, s) => sum + s.spaceUsedSize, 0);
  for (const gc of result.statistics) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
    previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
    cost += gc.cost;
    if (gc.gcType === 'Scavenge') {
      scavenges++;
      promoted += Math.max(0, oldUsed(gc.afterGC) - oldUsed(gc.beforeGC));
    } else if (gc.gcType === 'MarkSweepCompact') majorGcs++;
  }
  allocated += Math.max(0, usedAtEnd - previousAfter);
  return { allocated, promoted, scavenges, majorGcs, cost };
}

async function measure(name: string): Promise<Slice> {
  const call = calls.get(name)!;
  await runClosedLoop(call, { concurrency, durationMs: 100 });
  const serverBefore = await serverCpuUs();
  const profiler = new GCProfiler();
  const usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  const sample = await runClosedLoop(call, { concurrency, durationMs: sliceMs });
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const result = profiler.stop();
  const serverCpu = (await serverCpuUs()) - serverBefore;
  const n = Math.max(1, sample.calls + sample.errors);
  if (sample.errors > 0) process.stderr.write(`${name}: ${sample.errors} errors, first: ${sample.firstError}\n`);
  const gc = gcBytes(result, usedAtStart, usedAtEnd);
  return {
    calls: n,
    clientCpuUs: sample.clientCpuUs,
    serverCpuUs: serverCpu / n,
    allocatedBytes: gc.allocated / n,
    promotedBytes: gc.promoted / n,
    scavenges: gc.scavenges,
    majorGcs: gc.majorGcs,
    gcCostUs: gc.cost / n,
  };
}

// Warm-up in calls: V8's background compilation counts in the process's CPU time.
for (const name of names) {
  let made = 0;
  while (made < 10_000) {
    const sample = await runClosedLoop(calls.get(name)!, { concurrency, durationMs: 1000 });
    if (sample.errors > 0) throw new Error(`${name}: ${sample.errors} calls failed in the warm-up, first: ${sample.firstError}`);
    made += sample.calls;
  }
}
const loads: number[] = [loadavg()[0]!];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) slices.get(name)!.push(await measure(name));
  loads.push(loadavg()[0]!);
  process.stderr.write(`round ${round + 1}/${rounds} load ${loadavg()[0]!.toFixed(2)}\n`);
}

const first = slices.get(names[0]!)!;
const fmt = (v: number, digits = 1) => v.toFixed(digits);
const signed = (v: number, digits = 1) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
console.log(`\nclient A/B, ${protocol}, c=${concurrency}, ${rounds} rounds of ${sliceMs} ms slices; load average ${loads.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`variants: ${names.map((n) => (n.startsWith('toolkit-connect@') ? `${n} = ${trees[Number(/@(\d+)/.exec(n)![1])]}` : n)).join('; ')}\n`);
console.log(`| variant | client CPU µs/call | Δ vs ${names[0]} | server CPU µs/call | KB allocated/call | KB promoted/call | GC µs/call (main thread) | scavenges/s | major GCs/s | calls/s |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of names) {
  const s = slices.get(name)!;
  const m = (f: (x: Slice) => number) => median(s.map(f));
  const d = median(s.map((x, i) => x.clientCpuUs - first[i]!.clientCpuUs));
  const perSecond = (f: (x: Slice) => number) => median(s.map((x) => (f(x) / sliceMs) * 1000));
  console.log(
    `| ${name} | ${fmt(m((x) => x.clientCpuUs))} | ${name === names[0] ? '—' : signed(d)} | ${fmt(m((x) => x.serverCpuUs))} | ${fmt(m((x) => x.allocatedBytes / 1024), 2)} | ${fmt(m((x) => x.promotedBytes / 1024), 2)} | ${fmt(m((x) => x.gcCostUs))} | ${fmt(perSecond((x) => x.scavenges))} | ${fmt(perSecond((x) => x.majorGcs), 2)} | ${Math.round(perSecond((x) => x.calls))} |`,
  );
}
console.log(`\ncalls made by the process: ${callsMade}`);
for (const close of closers) close();
child.stdin!.end();
setTimeout(() => process.exit(0), 1000).unref();
