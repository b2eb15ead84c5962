// Telemetry benchmark: the RPC benchmark's toolkit setup (createMeshClient →
// createServer kit, auth.v1.AuthService GetUser over h2c on 127.0.0.1) with
// telemetry off, on at 100 % sampling and on at 10 %, measured in one run
// (other modes, bisection variants among them, with BENCH_TELEMETRY_MODES:
// see telemetry-mode.ts).
// Each mode has its own client process and server process, since the
// OpenTelemetry SDK is process-wide; the bench process drives them over IPC
// and the modes take turns in slices within every round (the order rotates
// per round), so a noisy neighbour hits all modes alike.
//
// "On" is what a service gets from startTelemetry with an OTLP endpoint:
// batch span processor, OTLP/HTTP protobuf export of spans (and metrics), to
// a local sink in this process that reads and discards each request, so the
// export's serialization and HTTP cost is in the numbers, the decoding is not.
//
// Run alone with `npx tsx bench/telemetry/telemetry.bench.ts`; sizes with
// BENCH_TELEMETRY_* variables (see `config`).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../rpc/closed-loop.js';
import type { LoadReport, LoadRequest } from './telemetry-client.js';
import { TELEMETRY_MODES, type TelemetryMode } from './telemetry-mode.js';
import type { ProfileStart, ProfileStop } from './telemetry-process-profile.js';
import { envInt } from '../env-int.js';

const config = {
  rounds: envInt('BENCH_TELEMETRY_ROUNDS', 5),
  /** Slices per mode and round: the modes take turns this many times per round. */
  slices: envInt('BENCH_TELEMETRY_SLICES', 3),
  /** In-flight calls. */
  concurrency: envInt('BENCH_TELEMETRY_CONCURRENCY', 32),
  /** Measured load per mode and round. */
  roundMs: envInt('BENCH_TELEMETRY_ROUND_MS', 1500),
  /** Unmeasured load per mode before the first round (JIT, sessions), at least. */
  warmupMs: envInt('BENCH_TELEMETRY_WARMUP_MS', 1000),
  /**
   * Calls per mode before the first round, at least (the warm-up goes on in
   * 1 s steps, the modes in turn, until both minimums are met, for
   * WARMUP_CAP_MS per mode at most). V8
   * compiles hot code on background threads whose CPU time counts in a
   * process's CPU per call: several hundred µs per call over the first few
   * thousand calls here, and an "on" process has more code to compile. With
   * 1 s of warm-up the rounds measured that along with telemetry's cost.
   * Counted in calls, not time: compilation follows call counts, and under
   * load a process gets through far fewer calls in a given time.
   */
  warmupCalls: envInt('BENCH_TELEMETRY_WARMUP_CALLS', 10_000),
  /** Unmeasured load just before each measured slice. */
  settleMs: envInt('BENCH_TELEMETRY_SETTLE_MS', 100),
};
/** GOAL_MAX_COST is the issue's goal: telemetry on at 100 % costs at most 15 % of the throughput. */
const GOAL_MAX_COST = 0.15;

interface Pair {
  mode: TelemetryMode;
  server: ChildProcess;
  client: ChildProcess;
}

/** RoundSample adds up one mode's slices of a round. */
interface RoundSample {
  calls: number;
  errors: number;
  elapsedMs: number;
  clientCpuUs: number;
  serverCpuUs: number;
  p50Us: number[];
  p99Us: number[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** startSink starts the discarding OTLP/HTTP endpoint: it reads every request body and answers 200 with an empty (valid) response. */
async function startSink() {
  const received = { requests: 0, bytes: 0, byPath: {} as Record<string, number> };
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
    req.on('end', () => {
      received.requests += 1;
      received.byPath[req.url ?? ''] = (received.byPath[req.url ?? ''] ?? 0) + 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench process exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/**
 * BENCH_TELEMETRY_PROF names a directory where every client and server
 * process writes a CPU profile of its main thread over the measured rounds
 * (`<client|server>-<mode>.cpuprofile`, with the mode's call count; compare
 * them with telemetry-profile-compare.ts).
 */
const profileDir = process.env.BENCH_TELEMETRY_PROF;

async function startPair(mode: TelemetryMode, endpoint: string): Promise<Pair> {
  const execArgv = ['--import', 'tsx'];
  const server = fork(here('./telemetry-server.ts'), [mode, endpoint], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port, userId } = await nextMessage<{ port: number; userId: string }>(server);
  const client = fork(here('./telemetry-client.ts'), [mode, endpoint, `http://127.0.0.1:${port}`, userId], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await nextMessage<string>(client);
  return { mode, server, client };
}

async function serverCpuUs(pair: Pair): Promise<number> {
  const usage = nextMessage<NodeJS.CpuUsage>(pair.server);
  pair.server.send('cpu-usage');
  const { user, system } = await usage;
  return user + system;
}

async function load(pair: Pair, durationMs: number): Promise<LoadReport> {
  const report = nextMessage<LoadReport>(pair.client);
  pair.client.send({ concurrency: config.concurrency, durationMs } satisfies LoadRequest);
  return report;
}

/** WARMUP_CAP_MS bounds the warm-up when the machine is too slow to reach warmupCalls. */
const WARMUP_CAP_MS = 60_000;

/**
 * warmUp loads the pairs in turn, 1 s each, until every pair has had its
 * warmupCalls. In turn rather than one pair after the other: a pair warmed
 * up first and then left idle while the others warmed up ran its first
 * measured rounds up to twice as slow as the others (it re-warms over some
 * 4 rounds), which put whichever mode came first at a disadvantage.
 */
async function warmUp(pairs: readonly Pair[]): Promise<void> {
  const calls = new Map<Pair, number>();
  for (const pair of pairs) calls.set(pair, (await load(pair, config.warmupMs)).calls);
  const started = performance.now();
  while ([...calls.values()].some((n) => n < config.warmupCalls) && performance.now() - started < WARMUP_CAP_MS * pairs.length) {
    for (const pair of pairs) calls.set(pair, calls.get(pair)! + (await load(pair, 1000)).calls);
  }
}

async function stopPair(pair: Pair): Promise<void> {
  for (const child of [pair.client, pair.server]) {
    if (child.exitCode !== null) continue;
    const exited = once(child, 'exit');
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { nproc: cpus().length, cpu: model, node: process.version, loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

const rate = (s: RoundSample) => s.calls / (s.elapsedMs / 1000);
const cpuPerCall = (s: RoundSample) => (s.clientCpuUs + s.serverCpuUs) / Math.max(1, s.calls);

const sink = await startSink();
const pairs: Pair[] = [];
try {
  for (const mode of TELEMETRY_MODES) pairs.push(await startPair(mode, sink.url));
  await warmUp(pairs);
  const profiledCalls = new Map<TelemetryMode, number>(TELEMETRY_MODES.map((mode) => [mode, 0]));
  if (profileDir) for (const pair of pairs) for (const child of [pair.client, pair.server]) child.send({ profileStart: true } satisfies ProfileStart);
  const sliceMs = Math.max(1, Math.round(config.roundMs / config.slices));
  const rounds: Map<TelemetryMode, RoundSample>[] = [];
  for (let round = 0; round < config.rounds; round++) {
    const samples = new Map<TelemetryMode, RoundSample>(
      TELEMETRY_MODES.map((mode) => [mode, { calls: 0, errors: 0, elapsedMs: 0, clientCpuUs: 0, serverCpuUs: 0, p50Us: [], p99Us: [] }]),
    );
    const order = pairs.map((_, i) => pairs[(i + round) % pairs.length]!);
    for (let slice = 0; slice < config.slices; slice++) {
      for (const pair of order) {
        profiledCalls.set(pair.mode, profiledCalls.get(pair.mode)! + (await load(pair, config.settleMs)).calls);
        const cpuBefore = await serverCpuUs(pair);
        const report = await load(pair, sliceMs);
        const serverUs = (await serverCpuUs(pair)) - cpuBefore;
        const sample = samples.get(pair.mode)!;
        sample.calls += report.calls;
        profiledCalls.set(pair.mode, profiledCalls.get(pair.mode)! + report.calls);
        sample.errors += report.errors;
        sample.elapsedMs += report.elapsedMs;
        sample.clientCpuUs += report.clientCpuUs * (report.calls + report.errors);
        sample.serverCpuUs += serverUs;
        sample.p50Us.push(report.p50Us);
        sample.p99Us.push(report.p99Us);
        if (report.errors > 0) process.stderr.write(`  ${pair.mode}: ${report.errors} errors, first: ${report.firstError}\n`);
      }
    }
    rounds.push(samples);
    process.stderr.write(
      `round ${round + 1}/${config.rounds}: ${TELEMETRY_MODES.map((m) => `${m} ${Math.round(rate(samples.get(m)!))}/s ${Math.round(cpuPerCall(samples.get(m)!))} µs`).join(', ')}\n`,
    );
  }
  if (profileDir) {
    for (const pair of pairs) {
      for (const child of [pair.client, pair.server]) {
        const written = nextMessage<string>(child);
        child.send({ profileStop: { dir: profileDir, calls: profiledCalls.get(pair.mode)! } } satisfies ProfileStop);
        await written;
      }
    }
  }

  const perRound = (mode: TelemetryMode, f: (s: RoundSample) => number) => rounds.map((r) => f(r.get(mode)!));
  const modes = TELEMETRY_MODES.map((mode) => ({
    mode,
    callsPerSecond: Math.round(median(perRound(mode, rate))),
    cpuUsPerCall: Number(median(perRound(mode, cpuPerCall)).toFixed(1)),
    clientCpuUsPerCall: Number(median(perRound(mode, (s) => s.clientCpuUs / Math.max(1, s.calls))).toFixed(1)),
    serverCpuUsPerCall: Number(median(perRound(mode, (s) => s.serverCpuUs / Math.max(1, s.calls))).toFixed(1)),
    p50Us: Math.round(median(rounds.flatMap((r) => r.get(mode)!.p50Us))),
    p99Us: Math.round(median(rounds.flatMap((r) => r.get(mode)!.p99Us))),
    errors: rounds.reduce((n, r) => n + r.get(mode)!.errors, 0),
  }));
  const comparisons = TELEMETRY_MODES.filter((m) => m !== 'off').map((mode) => {
    const ratio = median(rounds.map((r) => rate(r.get(mode)!) / rate(r.get('off')!)));
    const cpuRatio = median(rounds.map((r) => cpuPerCall(r.get('off')!) / cpuPerCall(r.get(mode)!)));
    // Per-round differences, so a slow period that hits every mode alike cancels out.
    const addedCpuUs = median(rounds.map((r) => cpuPerCall(r.get(mode)!) - cpuPerCall(r.get('off')!)));
    return {
      mode,
      throughputRatio: Number(ratio.toFixed(3)),
      throughputCost: Number((1 - ratio).toFixed(3)),
      cpuRatio: Number(cpuRatio.toFixed(3)),
      addedCpuUs: Number(addedCpuUs.toFixed(1)),
      goal: mode === 'on-100' ? (1 - ratio <= GOAL_MAX_COST ? 'met' : 'missed') : '-',
    };
  });

  const m = machine();
  const out = [
    `\nTelemetry bench: ${m.nproc} × ${m.cpu}, Node ${m.node}, load average ${m.loadavg.join(' ')} at the start`,
    `${config.rounds} rounds after a warm-up of at least ${config.warmupCalls} calls and ${config.warmupMs} ms per mode; per round and mode ${config.roundMs} ms of load at ${config.concurrency} calls in flight, in ${config.slices} alternating slices. Export: OTLP/HTTP protobuf (batch span processor) to a local sink that discards (${sink.received.requests} requests, ${(sink.received.bytes / 1e6).toFixed(1)} MB received; ${Object.entries(sink.received.byPath).map(([path, n]) => `${path} ${n}`).join(', ')}). Load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end.`,
    '\n| mode | calls/s | CPU µs/call (client + server) | client | server | p50 µs | p99 µs | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...modes.map((r) => `| ${r.mode} | ${r.callsPerSecond} | ${r.cpuUsPerCall} | ${r.clientCpuUsPerCall} | ${r.serverCpuUsPerCall} | ${r.p50Us} | ${r.p99Us} | ${r.errors} |`),
    '\n| comparison | throughput ratio (median of rounds) | throughput cost | CPU ratio (off / on per call) | added CPU µs/call (median of rounds) | goal (≤ 15 % cost at 100 %) |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...comparisons.map((c) => `| ${c.mode} vs off | ${c.throughputRatio} | ${(c.throughputCost * 100).toFixed(1)} % | ${c.cpuRatio} | ${c.addedCpuUs} | ${c.goal} |`),
  ];
  console.log(out.join('\n'));
  console.log(`\n${JSON.stringify({ bench: 'telemetry', machine: m, config, modes, comparisons, export: sink.received })}`);
} finally {
  await Promise.all(pairs.map(stopPair));
  await sink.close();
}
