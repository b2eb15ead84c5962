// Telemetry A/B driver: CPU time per call (client and server in one process)
// with telemetry off, on sampling nothing, 10 % and 100 %, for this tree and,
// optionally, another one (an older commit's `src` and `gen`), every
// (tree, mode) in its own process, taking turns in rotating order per round
// so that a noisy neighbour hits all alike. Not a `*.bench.ts`: a tool for
// judging a change, not part of `npm run bench`.
//
//   npx tsx bench/telemetry/telemetry-ab.ts
//   BENCH_AB_BASE=/tmp/old npx tsx bench/telemetry/telemetry-ab.ts
//
// where /tmp/old holds `git archive <commit> src gen package.json tsconfig.json`
// and a `node_modules` symlink. Sizes with BENCH_AB_* variables (see `config`).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../rpc/closed-loop.js';
import type { AbMode, AbReport } from './telemetry-ab-worker.js';
import { envInt } from '../env-int.js';

const config = {
  rounds: envInt('BENCH_AB_ROUNDS', 8),
  concurrency: envInt('BENCH_AB_CONCURRENCY', 32),
  sliceMs: envInt('BENCH_AB_SLICE_MS', 1000),
  warmupMs: envInt('BENCH_AB_WARMUP_MS', 2000),
  // At least this many calls per worker too, for the reason given in telemetry.bench.ts (background JIT compilation).
  warmupCalls: envInt('BENCH_AB_WARMUP_CALLS', 10_000),
  settleMs: envInt('BENCH_AB_SETTLE_MS', 150),
  /**
   * parallel (BENCH_AB_PARALLEL=1) loads all workers at the same time instead
   * of in turn: on a machine others load unevenly, each slice then compares
   * the trees and modes under the same load (they also load each other).
   */
  parallel: process.env.BENCH_AB_PARALLEL === '1',
};
const MODES: readonly AbMode[] = (process.env.BENCH_AB_MODES?.split(',') as AbMode[] | undefined) ?? ['off', 'on-0', 'on-10', 'on-100'];
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const trees: Array<{ name: string; root: string }> = [{ name: 'new', root: fileURLToPath(new URL('../..', import.meta.url)) }];
if (process.env.BENCH_AB_BASE) trees.unshift({ name: 'old', root: process.env.BENCH_AB_BASE });

interface Worker {
  tree: string;
  mode: AbMode;
  child: ChildProcess;
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function run(worker: Worker, durationMs: number): Promise<AbReport> {
  const report = nextMessage<AbReport>(worker.child);
  worker.child.send({ concurrency: config.concurrency, durationMs });
  return report;
}

const sink = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const profileDir = process.env.BENCH_AB_PROF;
const workers: Worker[] = [];
const load0 = loadavg();
try {
  for (const tree of trees) {
    for (const mode of MODES) {
      const execArgv = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${tree.name}-${mode}`] : [])];
      const child = fork(here('./telemetry-ab-worker.ts'), [tree.root, mode, endpoint], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await nextMessage<string>(child);
      workers.push({ tree: tree.name, mode, child });
    }
  }
  const warmUp = async (worker: Worker) => {
    let calls = (await run(worker, config.warmupMs)).calls;
    const started = performance.now();
    while (calls < config.warmupCalls && performance.now() - started < 60_000) calls += (await run(worker, 1000)).calls;
  };
  if (config.parallel) await Promise.all(workers.map(warmUp));
  else for (const worker of workers) await warmUp(worker);
  const samples = new Map<string, number[]>();
  const promoted = new Map<string, number[]>();
  const gc = new Map<string, number[]>();
  const allocated = new Map<string, number[]>();
  const key = (w: { tree: string; mode: string }) => `${w.tree} ${w.mode}`;
  for (let round = 0; round < config.rounds; round++) {
    const order = workers.map((_, i) => workers[(i + round) % workers.length]!);
    const line: string[] = [];
    const record = (worker: Worker, report: AbReport) => {
      if (report.errors > 0) process.stderr.write(`  ${key(worker)}: ${report.errors} errors, first: ${report.firstError}\n`);
      samples.set(key(worker), [...(samples.get(key(worker)) ?? []), report.cpuUs]);
      promoted.set(key(worker), [...(promoted.get(key(worker)) ?? []), report.promotedBytes]);
      gc.set(key(worker), [...(gc.get(key(worker)) ?? []), report.gcUs]);
      allocated.set(key(worker), [...(allocated.get(key(worker)) ?? []), report.allocatedBytes]);
      line.push(`${key(worker)} ${report.cpuUs.toFixed(0)}`);
    };
    if (config.parallel) {
      // All at once: every worker meets the same neighbours at the same moment.
      await Promise.all(workers.map((worker) => run(worker, config.settleMs)));
      const reports = await Promise.all(workers.map((worker) => run(worker, config.sliceMs)));
      workers.forEach((worker, i) => record(worker, reports[i]!));
    } else {
      for (const worker of round % 2 === 0 ? order : [...order].reverse()) {
        await run(worker, config.settleMs);
        record(worker, await run(worker, config.sliceMs));
      }
    }
    process.stderr.write(`round ${round + 1}/${config.rounds}: ${line.join(', ')}\n`);
  }
  const out = [`\nTelemetry A/B: ${config.rounds} rounds of ${config.sliceMs} ms at ${config.concurrency} in flight${config.parallel ? ', workers in parallel' : ''}; load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`];
  out.push(
    '| tree | mode | CPU µs/call (median) | added over off | cost (1 − off/on) | promoted to old space, bytes/call | allocated, bytes/call | main-thread GC µs/call |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const tree of trees) {
    const off = samples.get(`${tree.name} off`);
    for (const mode of MODES) {
      const values = samples.get(`${tree.name} ${mode}`)!;
      // Per-round ratios against the same round's off, then the median.
      const costs = off ? values.map((v, i) => 1 - off[i]! / v) : [];
      const added = off ? values.map((v, i) => v - off[i]!) : [];
      out.push(
        `| ${tree.name} | ${mode} | ${median(values).toFixed(0)} | ${off ? `+${median(added).toFixed(0)}` : '-'} | ${off ? `${(median(costs) * 100).toFixed(1)} %` : '-'} | ${median(promoted.get(`${tree.name} ${mode}`)!).toFixed(0)} | ${median(allocated.get(`${tree.name} ${mode}`)!).toFixed(0)} | ${median(gc.get(`${tree.name} ${mode}`)!).toFixed(0)} |`,
      );
    }
  }
  console.log(out.join('\n'));
} finally {
  for (const worker of workers) {
    if (worker.child.exitCode !== null) continue;
    const exited = once(worker.child, 'exit');
    worker.child.disconnect();
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  sink.close();
}
