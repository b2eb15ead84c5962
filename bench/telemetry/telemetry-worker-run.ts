import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createSink } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { envInt } from '../env-int.js';

/**
 * runTelemetryWorker runs one telemetry mode's A/B worker (client and server
 * in one process, `root`'s sources) against an OTLP sink that reads and
 * discards: a warm-up of BENCH_PROF_WARMUP_MS, then a closed loop of
 * BENCH_PROF_MS with `measure` in its message (what the worker records and
 * writes to BENCH_AB_PROFILE_OUT=`out`). Resolves with the worker's report.
 */
export async function runTelemetryWorker(root: string, mode: string, out: string, measure: Record<string, boolean>): Promise<unknown> {
  const sink = createSink((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const child = fork(fileURLToPath(new URL('./telemetry-ab-worker.ts', import.meta.url)), [root, mode, endpoint], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_AB_PROFILE_OUT: out },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  await next();
  child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_WARMUP_MS', 10_000) });
  await next();
  child.send({ concurrency: 32, durationMs: envInt('BENCH_PROF_MS', 4000), ...measure });
  const report = await next();
  child.disconnect();
  await once(child, 'exit');
  sink.close();
  return report;
}
