// Server CPU per call of the toolkit server built from two source trees, side
// by side under the same load (not part of `npm run bench`):
//   SERVER_AB_TREES=/work/main,. npx tsx bench/rpc/server-cpu-ab.ts
// Each tree's bench/rpc/bench-server.ts runs as its own process (with that
// tree's node_modules); one client process drives every (tree, variant) pair
// in alternating slices and reads the server's CPU time around each slice.
// Prints the median per-round server CPU µs per call and each tree's
// difference to the first. Knobs: SERVER_AB_ROUNDS, SERVER_AB_SLICE_MS,
// SERVER_AB_CONCURRENCY, SERVER_AB_VARIANTS (bare-connect, bare-connect+headers,
// bare-grpc, bare-grpc+headers), SERVER_AB_KIND (toolkit or connect-node).
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import type { BenchServerReady } from './bench-server.js';
import { median, runClosedLoop } from './closed-loop.js';
import { envInt } from '../env-int.js';

const trees = (process.env.SERVER_AB_TREES ?? '/work/main,.').split(',').map((t) => resolve(t));
const kinds = (process.env.SERVER_AB_KIND ?? 'toolkit').split(',');
const rounds = envInt('SERVER_AB_ROUNDS', 6);
const sliceMs = envInt('SERVER_AB_SLICE_MS', 1000);
const concurrency = envInt('SERVER_AB_CONCURRENCY', 32);
const variantNames = (process.env.SERVER_AB_VARIANTS ?? 'bare-connect,bare-connect+headers').split(',');

interface Server {
  label: string;
  ready: BenchServerReady;
  child: ChildProcess;
}

async function start(tree: string, kind: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/rpc/bench-server.ts', kind], { cwd: tree, stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<BenchServerReady>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${tree} server exited with ${code}`)));
    lines.once('line', (line) => ok(JSON.parse(line) as BenchServerReady));
  });
  child.removeAllListeners('exit');
  return { label: `${kind}@${tree}`, ready, child };
}

function cpuUs(server: Server): Promise<number> {
  return new Promise((ok) => {
    server.child.once('message', (usage: NodeJS.CpuUsage) => ok(usage.user + usage.system));
    server.child.send('cpu-usage');
  });
}

const grpcHeaders = {
  'grpc-timeout': '10000m',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'x-correlation-id': '6f1c2d9e-3b1a-4c55-9a57-1d2c3b4a5e6f',
};
const { 'grpc-timeout': _t, ...contextHeaders } = grpcHeaders;
const connectHeaders = { 'connect-timeout-ms': '10000', ...contextHeaders };

const servers: Server[] = [];
for (const tree of trees) for (const kind of kinds) servers.push(await start(tree, kind));
type Pair = { server: Server; variant: string; call: () => Promise<unknown>; cpu: number[]; rate: number[] };
const pairs: Pair[] = [];
for (const server of servers) {
  const baseUrl = `http://127.0.0.1:${server.ready.port}`;
  const request = { userId: server.ready.userId };
  const connect = createClient(AuthService, createConnectTransport({ baseUrl, httpVersion: '2' }));
  const grpc = createClient(AuthService, createGrpcTransport({ baseUrl }));
  const calls: Record<string, () => Promise<unknown>> = {
    'bare-connect': () => connect.getUser(request),
    'bare-connect+headers': () => connect.getUser(request, { headers: connectHeaders }),
    'bare-grpc': () => grpc.getUser(request),
    'bare-grpc+headers': () => grpc.getUser(request, { headers: grpcHeaders }),
  };
  for (const variant of variantNames) pairs.push({ server, variant, call: calls[variant]!, cpu: [], rate: [] });
}
for (const pair of pairs) await runClosedLoop(pair.call, { concurrency, durationMs: 500 });
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? pairs : [...pairs].reverse();
  for (const pair of order) {
    await runClosedLoop(pair.call, { concurrency, durationMs: 50 });
    const before = await cpuUs(pair.server);
    const sample = await runClosedLoop(pair.call, { concurrency, durationMs: sliceMs });
    pair.cpu.push(((await cpuUs(pair.server)) - before) / Math.max(1, sample.calls));
    pair.rate.push((sample.calls / sample.elapsedMs) * 1000);
  }
  loads.push(loadavg()[0]!);
  process.stderr.write(`round ${round + 1}/${rounds} load ${loadavg()[0]!.toFixed(2)}\n`);
}
console.log(`load average during rounds: ${loads.map((l) => l.toFixed(2)).join(' ')}`);
console.log('| server | variant | server CPU µs/call (median) | Δ vs first tree (median of per-round diffs) | calls/s |');
console.log('|---|---|---:|---:|---:|');
for (const pair of pairs) {
  const first = pairs.find((p) => p.variant === pair.variant && p.server.label.split('@')[0] === pair.server.label.split('@')[0])!;
  const diff = median(pair.cpu.map((c, i) => c - first.cpu[i]!));
  console.log(`| ${pair.server.label} | ${pair.variant} | ${median(pair.cpu).toFixed(1)} | ${pair === first ? '—' : `${diff >= 0 ? '+' : ''}${diff.toFixed(1)}`} | ${Math.round(median(pair.rate))} |`);
}
console.log('\n| server | headers cost, Connect (µs/call, median of per-round differences) | headers cost, gRPC |');
console.log('|---|---:|---:|');
for (const server of servers) {
  const cost = (protocol: string) => {
    const bare = pairs.find((p) => p.server === server && p.variant === `bare-${protocol}`);
    const headers = pairs.find((p) => p.server === server && p.variant === `bare-${protocol}+headers`);
    if (!bare || !headers) return '—';
    const diff = median(headers.cpu.map((c, i) => c - bare.cpu[i]!));
    return `${diff >= 0 ? '+' : ''}${diff.toFixed(1)}`;
  };
  console.log(`| ${server.label} | ${cost('connect')} | ${cost('grpc')} |`);
}
for (const server of servers) server.child.stdin!.end();
setTimeout(() => process.exit(0), 2000).unref();
