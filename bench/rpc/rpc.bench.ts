// RPC benchmark: what the toolkit's client and server stacks cost over bare
// connect-es and @grpc/grpc-js, measured in one run against server processes
// of their own (h2c on 127.0.0.1). Run alone with
//   npx tsx bench/rpc/rpc.bench.ts
// Sizes can be changed with BENCH_RPC_* variables (see `config` below);
// BENCH_RPC_ONLY=<variant,...> runs only those variants (for profiling with
// `node --cpu-prof --import tsx bench/rpc/rpc.bench.ts`); BENCH_RPC_SERVER_PROF=<dir>
// profiles the server processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { createMeshClient, type MeshClient } from '../../src/rpc/client/index.js';
import type { BenchServerKind, BenchServerReady } from './bench-server.js';
import { median, percentile, runClosedLoop, type LoadSample } from './closed-loop.js';
import { envInt } from '../env-int.js';

const config = {
  rounds: envInt('BENCH_RPC_ROUNDS', 4),
  /** Slices per variant and round: the variants take turns this many times per round. */
  slices: envInt('BENCH_RPC_SLICES', 4),
  /** In-flight calls in the throughput phase. */
  concurrency: envInt('BENCH_RPC_CONCURRENCY', 32),
  /** Measured load per variant and round in the throughput phase (concurrency as above). */
  throughputMs: envInt('BENCH_RPC_THROUGHPUT_MS', 1000),
  /** Measured load per variant and round in the latency phase (one call at a time). */
  latencyMs: envInt('BENCH_RPC_LATENCY_MS', 600),
  /** Unmeasured load per variant before each phase's first round (JIT, sessions), at least. */
  warmupMs: envInt('BENCH_RPC_WARMUP_MS', 500),
  /**
   * Calls per variant before the throughput phase's first round, at least.
   * V8 compiles hot code on background threads whose CPU time counts in the
   * process's CPU per call (several hundred µs per call over the first few
   * thousand calls here), and the toolkit client has more code to compile
   * than the bare one: half a second of warm-up measured that along with the
   * stack. Counted in calls, since compilation follows call counts and a
   * loaded machine makes fewer calls in a given time.
   */
  warmupCalls: envInt('BENCH_RPC_WARMUP_CALLS', 10_000),
  /** Unmeasured load just before each measured slice, so the previous variant's garbage and JIT state settle. */
  settleMs: envInt('BENCH_RPC_SETTLE_MS', 50),
};
const GOAL_THROUGHPUT_RATIO = 0.9;
const GOAL_ADDED_P50_US = 50;

/** Variant is one client (and the server it calls) under load. */
interface Variant {
  name: string;
  what: string;
  call: () => Promise<unknown>;
  /** server is the process the variant calls, whose CPU time is read around each run. */
  server: Running;
}

/** Comparison pairs two variants measured in the same rounds: subject over baseline. */
interface Comparison {
  name: string;
  subject: string;
  baseline: string;
  /** goal says the comparison is one of the goals (full stack vs bare). */
  goal: boolean;
}

interface Running {
  ready: BenchServerReady;
  child: ChildProcess;
}

const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
const protoDir = fileURLToPath(new URL('../../proto', import.meta.url));

async function startServer(kind: BenchServerKind): Promise<Running> {
  // BENCH_RPC_SERVER_PROF=<dir> writes each server's CPU profile there when the bench ends.
  const profile = process.env.BENCH_RPC_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_RPC_SERVER_PROF}/${kind}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', serverScript, kind], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<BenchServerReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} bench server exited with ${code} before it was ready`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as BenchServerReady));
  });
  child.removeAllListeners('exit');
  return { ready, child };
}

/** serverCpuUs returns the server process's CPU time so far (user + system), in microseconds. */
function serverCpuUs(server: Running): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (usage: NodeJS.CpuUsage) => resolve(usage.user + usage.system));
    server.child.send('cpu-usage');
  });
}

async function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.stdin!.end();
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function grpcJsAuthClient(port: number): grpc.Client {
  const definition = loadSync('auth/v1/auth_service.proto', { includeDirs: [protoDir], longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return new pkg.auth.v1.AuthService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client;
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { nproc: cpus().length, cpu: model, node: process.version, loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

interface PhaseResult {
  /** samples per variant, one per round. */
  samples: Map<string, LoadSample[]>;
}

/** mergeSlices adds up the slices of one variant's run in a round into one sample. */
function mergeSlices(slices: LoadSample[]): LoadSample {
  const calls = slices.reduce((sum, s) => sum + s.calls, 0);
  const errors = slices.reduce((sum, s) => sum + s.errors, 0);
  const weighted = (f: (s: LoadSample) => number) => slices.reduce((sum, s) => sum + f(s) * (s.calls + s.errors), 0) / Math.max(1, calls + errors);
  return {
    calls,
    errors,
    firstError: slices.find((s) => s.firstError !== undefined)?.firstError,
    elapsedMs: slices.reduce((sum, s) => sum + s.elapsedMs, 0),
    latenciesUs: slices.flatMap((s) => s.latenciesUs).sort((a, b) => a - b),
    clientCpuUs: weighted((s) => s.clientCpuUs),
    serverCpuUs: weighted((s) => s.serverCpuUs),
  };
}

/** WARMUP_CAP_MS bounds one variant's warm-up when the machine is too slow to reach its calls. */
const WARMUP_CAP_MS = 60_000;

async function warmUp(variant: Variant, concurrency: number, calls: number): Promise<void> {
  let made = (await runClosedLoop(variant.call, { concurrency, durationMs: config.warmupMs })).calls;
  const started = performance.now();
  while (made < calls && performance.now() - started < WARMUP_CAP_MS) made += (await runClosedLoop(variant.call, { concurrency, durationMs: 1000 })).calls;
}

/**
 * runPhase measures every variant in `config.rounds` rounds. A round gives
 * each variant `durationMs` of load, cut into `config.slices` slices that
 * take turns with the other variants' (ABCABC…, reversed every other round),
 * so that a busy moment of a shared machine hits every variant alike.
 */
async function runPhase(variants: Variant[], concurrency: number, durationMs: number, label: string, warmupCalls: number): Promise<PhaseResult> {
  const samples = new Map<string, LoadSample[]>(variants.map((v) => [v.name, []]));
  for (const variant of variants) await warmUp(variant, concurrency, warmupCalls);
  const sliceMs = Math.max(1, Math.round(durationMs / config.slices));
  for (let round = 0; round < config.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const slices = new Map<string, LoadSample[]>(variants.map((v) => [v.name, []]));
    for (let slice = 0; slice < config.slices; slice++) {
      for (const variant of order) {
        await runClosedLoop(variant.call, { concurrency, durationMs: config.settleMs });
        const serverBefore = await serverCpuUs(variant.server);
        const sample = await runClosedLoop(variant.call, { concurrency, durationMs: sliceMs });
        sample.serverCpuUs = ((await serverCpuUs(variant.server)) - serverBefore) / Math.max(1, sample.calls + sample.errors);
        slices.get(variant.name)!.push(sample);
      }
    }
    const line: string[] = [];
    for (const variant of variants) {
      const sample = mergeSlices(slices.get(variant.name)!);
      if (sample.errors > 0) process.stderr.write(`  ${variant.name}: ${sample.errors} errors, first: ${sample.firstError}\n`);
      samples.get(variant.name)!.push(sample);
      line.push(`${variant.name} ${Math.round(rate(sample))}/s`);
    }
    process.stderr.write(`${label} round ${round + 1}/${config.rounds}: ${line.join(', ')}\n`);
  }
  return { samples };
}

function rate(sample: LoadSample): number {
  return (sample.calls / sample.elapsedMs) * 1000;
}

interface VariantSummary {
  name: string;
  what: string;
  rate: number;
  p50Us: number;
  p99Us: number;
  /** clientCpuUs and serverCpuUs are CPU time per call of each process (median of rounds). */
  clientCpuUs: number;
  serverCpuUs: number;
  errors: number;
}

function summarizeVariant(variant: Variant, samples: LoadSample[]): VariantSummary {
  return {
    name: variant.name,
    what: variant.what,
    rate: median(samples.map(rate)),
    p50Us: median(samples.map((s) => percentile(s.latenciesUs, 50))),
    p99Us: median(samples.map((s) => percentile(s.latenciesUs, 99))),
    clientCpuUs: median(samples.map((s) => s.clientCpuUs)),
    serverCpuUs: median(samples.map((s) => s.serverCpuUs)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

interface ComparisonSummary {
  name: string;
  goal: boolean;
  /** ratio is the median of per-round throughput ratios (subject / baseline) at the throughput concurrency. */
  ratio: number;
  /** addedP50Us is the median of per-round p50 differences (subject − baseline), one call at a time. */
  addedP50Us: number;
  addedP99Us: number;
  /** addedP50LoadedUs is the same at the throughput concurrency. */
  addedP50LoadedUs: number;
  /**
   * cpuRatio is the median of per-round ratios of CPU time per call, client
   * and server together (baseline / subject): the throughput ratio a
   * CPU-bound machine of our own would show, and far less noisy than
   * wall-clock rates on a shared one.
   */
  cpuRatio: number;
  /** addedClientCpuUs and addedServerCpuUs are the median per-round differences of CPU time per call. */
  addedClientCpuUs: number;
  addedServerCpuUs: number;
  /** met judges the goal on wall-clock numbers; metByCpu on CPU time per call (ratio, and client + server CPU added). */
  met?: boolean;
  metByCpu?: boolean;
}

function compare(comparison: Comparison, throughput: PhaseResult, latency: PhaseResult): ComparisonSummary {
  const pair = (phase: PhaseResult) => [phase.samples.get(comparison.subject)!, phase.samples.get(comparison.baseline)!] as const;
  const [subjectT, baselineT] = pair(throughput);
  const [subjectL, baselineL] = pair(latency);
  const perRound = (subject: LoadSample[], baseline: LoadSample[], f: (s: LoadSample, b: LoadSample) => number) =>
    median(subject.map((s, i) => f(s, baseline[i]!)));
  const ratio = perRound(subjectT, baselineT, (s, b) => rate(s) / rate(b));
  const addedP50Us = perRound(subjectL, baselineL, (s, b) => percentile(s.latenciesUs, 50) - percentile(b.latenciesUs, 50));
  const summary: ComparisonSummary = {
    name: comparison.name,
    goal: comparison.goal,
    ratio,
    addedP50Us,
    addedP99Us: perRound(subjectL, baselineL, (s, b) => percentile(s.latenciesUs, 99) - percentile(b.latenciesUs, 99)),
    addedP50LoadedUs: perRound(subjectT, baselineT, (s, b) => percentile(s.latenciesUs, 50) - percentile(b.latenciesUs, 50)),
    cpuRatio: perRound(subjectT, baselineT, (s, b) => (b.clientCpuUs + b.serverCpuUs) / (s.clientCpuUs + s.serverCpuUs)),
    addedClientCpuUs: perRound(subjectT, baselineT, (s, b) => s.clientCpuUs - b.clientCpuUs),
    addedServerCpuUs: perRound(subjectT, baselineT, (s, b) => s.serverCpuUs - b.serverCpuUs),
  };
  if (comparison.goal) {
    summary.met = ratio >= GOAL_THROUGHPUT_RATIO && addedP50Us <= GOAL_ADDED_P50_US;
    summary.metByCpu = summary.cpuRatio >= GOAL_THROUGHPUT_RATIO && summary.addedClientCpuUs + summary.addedServerCpuUs <= GOAL_ADDED_P50_US;
  }
  return summary;
}

const us = (value: number) => `${Math.round(value)}`;
const signedUs = (value: number) => `${value >= 0 ? '+' : ''}${Math.round(value)}`;

function report(variants: VariantSummary[], latencies: VariantSummary[], comparisons: ComparisonSummary[], elapsedMs: number): void {
  const m = machine();
  const out: string[] = [];
  out.push(`\nRPC bench — ${m.nproc} CPUs (${m.cpu}), Node ${m.node}, load average ${m.loadavg.join(' ')}, ${config.rounds} alternating rounds, ${((elapsedMs) / 1000).toFixed(0)} s`);
  out.push(
    `\nThroughput phase: ${config.concurrency} calls in flight, ${config.throughputMs} ms per variant and round; latency phase: 1 call at a time, ${config.latencyMs} ms per variant and round; each cut into ${config.slices} alternating slices.\n`,
  );
  out.push(`| variant | calls/s (c=${config.concurrency}) | p50 µs | p99 µs | p50 µs (c=1) | p99 µs (c=1) | client CPU µs/call | server CPU µs/call | errors |`);
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [index, v] of variants.entries()) {
    const l = latencies[index]!;
    out.push(
      `| ${v.name}: ${v.what} | ${Math.round(v.rate).toLocaleString('en-US')} | ${us(v.p50Us)} | ${us(v.p99Us)} | ${us(l.p50Us)} | ${us(l.p99Us)} | ${v.clientCpuUs.toFixed(1)} | ${v.serverCpuUs.toFixed(1)} | ${v.errors + l.errors} |`,
    );
  }
  out.push(
    `\n| comparison | throughput ratio (c=${config.concurrency}) | CPU ratio | added client CPU µs | added server CPU µs | added p50 µs (c=1) | added p99 µs (c=1) | added p50 µs (c=${config.concurrency}) | goal (wall clock) | goal (CPU) |`,
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const c of comparisons) {
    const verdict = (met: boolean | undefined) => (met === undefined ? '—' : met ? 'met' : 'missed');
    out.push(
      `| ${c.name} | ${c.ratio.toFixed(3)} | ${c.cpuRatio.toFixed(3)} | ${signedUs(c.addedClientCpuUs)} | ${signedUs(c.addedServerCpuUs)} | ${signedUs(c.addedP50Us)} | ${signedUs(c.addedP99Us)} | ${signedUs(c.addedP50LoadedUs)} | ${verdict(c.met)} | ${verdict(c.metByCpu)} |`,
    );
  }
  out.push(
    `\nGoal: full stack ≥ ${GOAL_THROUGHPUT_RATIO}× bare throughput and ≤ ${GOAL_ADDED_P50_US} µs added at p50 (c=1). "goal (wall clock)" judges the throughput ratio and added p50; "goal (CPU)" the CPU ratio and the client + server CPU added per call.`,
  );
  out.push('CPU ratio: baseline CPU per call / subject CPU per call, client and server processes together, per round (robust on a shared machine).');
  console.log(out.join('\n'));
  console.log(`\n${JSON.stringify({ bench: 'rpc', machine: m, config, variants, latencies, comparisons })}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const toolkitServer = await startServer('toolkit');
  const grpcJsServer = await startServer('grpc-js');
  const connectNodeServer = await startServer('connect-node');
  const closers: Array<() => void> = [];
  try {
    const kitUrl = `http://127.0.0.1:${toolkitServer.ready.port}`;
    const grpcJsUrl = `http://127.0.0.1:${grpcJsServer.ready.port}`;
    const request = { userId: toolkitServer.ready.userId };
    const grpcJsRequest = { userId: grpcJsServer.ready.userId };
    const connectNodeUrl = `http://127.0.0.1:${connectNodeServer.ready.port}`;
    const connectNodeRequest = { userId: connectNodeServer.ready.userId };

    const mesh = (protocol: 'connect' | 'grpc'): MeshClient<typeof AuthService> => {
      const made = createMeshClient(AuthService, { baseUrls: kitUrl, protocol });
      closers.push(() => made.close());
      return made;
    };
    const toolkitConnect = mesh('connect').client;
    const toolkitGrpc = mesh('grpc').client;
    const bareConnect = createClient(AuthService, createConnectTransport({ baseUrl: kitUrl, httpVersion: '2' }));
    const bareGrpc = createClient(AuthService, createGrpcTransport({ baseUrl: kitUrl }));
    const bareGrpcToGrpcJs = createClient(AuthService, createGrpcTransport({ baseUrl: grpcJsUrl }));
    const bareGrpcToConnectNode = createClient(AuthService, createGrpcTransport({ baseUrl: connectNodeUrl }));
    // What the toolkit client sends besides the message, minus its client-side work: the server's share of the cost.
    const toolkitHeaders = {
      'grpc-timeout': '10000m',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-correlation-id': '6f1c2d9e-3b1a-4c55-9a57-1d2c3b4a5e6f',
    };
    const { 'grpc-timeout': _grpcTimeout, ...contextHeaders } = toolkitHeaders;
    const toolkitConnectHeaders = { 'connect-timeout-ms': '10000', ...contextHeaders };
    const grpcJs = grpcJsAuthClient(toolkitServer.ready.port);
    closers.push(() => grpcJs.close());
    const grpcJsCall = () =>
      new Promise((resolve, reject) => (grpcJs as any).GetUser(request, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response))));

    const all: Variant[] = [
      { name: 'toolkit-connect', what: 'createMeshClient, Connect protocol → toolkit server', call: () => toolkitConnect.getUser(request), server: toolkitServer },
      { name: 'bare-connect', what: 'connect-es createConnectTransport, no interceptors → toolkit server', call: () => bareConnect.getUser(request), server: toolkitServer },
      {
        name: 'bare-connect+headers',
        what: 'as bare-connect, sending the toolkit client\'s timeout and context headers',
        call: () => bareConnect.getUser(request, { headers: toolkitConnectHeaders }),
        server: toolkitServer,
      },
      { name: 'toolkit-grpc', what: 'createMeshClient, gRPC protocol → toolkit server', call: () => toolkitGrpc.getUser(request), server: toolkitServer },
      { name: 'bare-grpc', what: 'connect-es createGrpcTransport, no interceptors → toolkit server', call: () => bareGrpc.getUser(request), server: toolkitServer },
      { name: 'bare-grpc+headers', what: 'as bare-grpc, sending the toolkit client\'s timeout and context headers', call: () => bareGrpc.getUser(request, { headers: toolkitHeaders }), server: toolkitServer },
      { name: 'grpc-js-client', what: '@grpc/grpc-js client (proto-loader) → toolkit server', call: grpcJsCall, server: toolkitServer },
      {
        name: 'bare-grpc@connect-node-server',
        what: 'connect-es createGrpcTransport → plain connect-node server (no kit), same handler',
        call: () => bareGrpcToConnectNode.getUser(connectNodeRequest),
        server: connectNodeServer,
      },
      { name: 'bare-grpc@grpc-js-server', what: 'connect-es createGrpcTransport → @grpc/grpc-js server, same handler', call: () => bareGrpcToGrpcJs.getUser(grpcJsRequest), server: grpcJsServer },
    ];
    const only = process.env.BENCH_RPC_ONLY?.split(',').map((s) => s.trim());
    const variants = only ? all.filter((v) => only.includes(v.name)) : all;
    const comparisons: Comparison[] = [
      { name: 'full stack vs bare, Connect protocol (toolkit-connect / bare-connect)', subject: 'toolkit-connect', baseline: 'bare-connect', goal: true },
      { name: 'full stack vs bare, gRPC protocol (toolkit-grpc / bare-grpc)', subject: 'toolkit-grpc', baseline: 'bare-grpc', goal: true },
      { name: 'server share, Connect: the toolkit\'s headers at the toolkit server (bare-connect+headers / bare-connect)', subject: 'bare-connect+headers', baseline: 'bare-connect', goal: false },
      { name: 'client share, Connect: the client stack alone (toolkit-connect / bare-connect+headers)', subject: 'toolkit-connect', baseline: 'bare-connect+headers', goal: false },
      { name: 'server share: the toolkit\'s headers at the toolkit server (bare-grpc+headers / bare-grpc)', subject: 'bare-grpc+headers', baseline: 'bare-grpc', goal: false },
      { name: 'client share: the client stack alone (toolkit-grpc / bare-grpc+headers)', subject: 'toolkit-grpc', baseline: 'bare-grpc+headers', goal: false },
      { name: 'grpc-js client vs connect-es gRPC client (grpc-js-client / bare-grpc)', subject: 'grpc-js-client', baseline: 'bare-grpc', goal: false },
      { name: 'toolkit server vs grpc-js server, same client (bare-grpc / bare-grpc@grpc-js-server)', subject: 'bare-grpc', baseline: 'bare-grpc@grpc-js-server', goal: false },
      { name: 'server kit vs plain connect-node, same client (bare-grpc / bare-grpc@connect-node-server)', subject: 'bare-grpc', baseline: 'bare-grpc@connect-node-server', goal: false },
      { name: 'plain connect-node vs grpc-js server, same client (bare-grpc@connect-node-server / bare-grpc@grpc-js-server)', subject: 'bare-grpc@connect-node-server', baseline: 'bare-grpc@grpc-js-server', goal: false },
    ].filter((c) => variants.some((v) => v.name === c.subject) && variants.some((v) => v.name === c.baseline));

    const throughput = await runPhase(variants, config.concurrency, config.throughputMs, `c=${config.concurrency}`, config.warmupCalls);
    // The throughput phase has compiled the code already.
    const latency = await runPhase(variants, 1, config.latencyMs, 'c=1', 0);
    report(
      variants.map((v) => summarizeVariant(v, throughput.samples.get(v.name)!)),
      variants.map((v) => summarizeVariant(v, latency.samples.get(v.name)!)),
      comparisons.map((c) => compare(c, throughput, latency)),
      performance.now() - started,
    );
  } finally {
    for (const close of closers) close();
    await Promise.all([stopServer(toolkitServer), stopServer(grpcJsServer), stopServer(connectNodeServer)]);
  }
}

await main();
// connect-node keeps idle HTTP/2 sessions open for a while; the bench is done.
process.exit(0);
