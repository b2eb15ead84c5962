// The server's CPU time per call, client and servers in ONE process (not
// part of `npm run bench`; a tool for server-side changes):
//   SERVER_HOT_TREES=/work/main,. npx tsx bench/rpc/server-hot-loop.ts
// A raw node:http2 client (pre-encoded requests, no connect-es) drives
// GetUser against the toolkit server of each source tree given and a plain
// connect-node server, Connect and gRPC, with and without the headers the
// toolkit client adds, in alternating slices. The client's work is the same
// for every server, so differences of process CPU per call are the servers'.
// In one process nothing is lost to scheduling between client and server,
// which makes the numbers far steadier than rpc.bench.ts's on a shared
// machine; but AsyncLocalStorage, once the kit runs, hooks every promise of
// the process, the plain connect-node server's too.
// Knobs: SERVER_HOT_ROUNDS, SERVER_HOT_SLICE_MS, SERVER_HOT_CONCURRENCY,
// SERVER_HOT_ONLY (variant names, comma-separated).
import { connect, createServer as createHttp2Server, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { AuthService, GetUserRequestSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { median } from './closed-loop.js';
import { createSeededAuthService } from './seeded-auth-service.js';
import { envInt } from '../env-int.js';

const trees = (process.env.SERVER_HOT_TREES ?? '.').split(',').map((t) => resolve(t));
const rounds = envInt('SERVER_HOT_ROUNDS', 8);
const sliceMs = envInt('SERVER_HOT_SLICE_MS', 400);
const concurrency = envInt('SERVER_HOT_CONCURRENCY', 32);
const only = process.env.SERVER_HOT_ONLY?.split(',');

const { implementation, userId } = await createSeededAuthService();
const body = toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }));
const envelope = Buffer.alloc(5 + body.length);
envelope.writeUInt32BE(body.length, 1);
envelope.set(body, 5);
const path = '/auth.v1.AuthService/GetUser';
const context = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'x-correlation-id': '6f1c2d9e-3b1a-4c55-9a57-1d2c3b4a5e6f',
};
const protocols = {
  connect: {
    headers: { ':method': 'POST', ':path': path, 'content-type': 'application/proto', 'connect-protocol-version': '1', 'accept-encoding': 'gzip, br' },
    toolkit: { 'connect-timeout-ms': '10000', ...context },
    body: Buffer.from(body),
  },
  grpc: {
    headers: { ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers', 'grpc-accept-encoding': 'gzip, br' },
    toolkit: { 'grpc-timeout': '10000m', ...context },
    body: envelope,
  },
};

/** call sends one request and resolves when the response ended; it rejects on a non-OK status. */
function call(session: ClientHttp2Session, headers: OutgoingHttpHeaders, payload: Buffer, grpc: boolean): Promise<void> {
  return new Promise((ok, fail) => {
    const stream = session.request(headers);
    let status = 0;
    let grpcStatus: string | undefined;
    stream.on('response', (h) => {
      status = Number(h[':status']);
      grpcStatus ??= h['grpc-status'] as string | undefined;
    });
    stream.on('trailers', (t) => (grpcStatus = t['grpc-status'] as string | undefined));
    stream.on('data', () => {});
    stream.on('error', fail);
    stream.on('end', () => (status === 200 && (!grpc || grpcStatus === '0') ? ok() : fail(new Error(`status ${status} grpc-status ${grpcStatus}`))));
    stream.end(payload);
  });
}

interface Target {
  name: string;
  port: number;
}

async function startKit(tree: string): Promise<Target> {
  const kit = (await import(`${tree}/src/rpc/server/index.js`)) as typeof import('../../src/rpc/server/index.js');
  const gen = (await import(`${tree}/gen/auth/v1/auth_service_pb.js`)) as typeof import('../../gen/auth/v1/auth_service_pb.js');
  const server = await kit.createServer({ services: [kit.defineService(gen.AuthService, implementation)], host: '127.0.0.1', port: 0 });
  return { name: `kit@${tree}`, port: server.port };
}

async function startConnectNode(): Promise<Target> {
  const server = createHttp2Server(connectNodeAdapter({ routes: (router) => router.service(AuthService, implementation) }));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { name: 'connect-node', port: (server.address() as AddressInfo).port };
}

const targets = [...(await Promise.all(trees.map(startKit))), await startConnectNode()];
interface Variant {
  name: string;
  run: () => Promise<void>;
  cpu: number[];
}
const variants: Variant[] = [];
for (const target of targets) {
  const session = connect(`http://127.0.0.1:${target.port}`);
  session.setMaxListeners(0);
  for (const [protocol, spec] of Object.entries(protocols)) {
    for (const withHeaders of [false, true]) {
      const name = `${target.name} ${protocol}${withHeaders ? '+headers' : ''}`;
      if (only && !only.some((o) => name.includes(o))) continue;
      const headers = { ...spec.headers, ':authority': `127.0.0.1:${target.port}`, ...(withHeaders ? spec.toolkit : {}) };
      variants.push({ name, run: () => call(session, headers, spec.body, protocol === 'grpc'), cpu: [] });
    }
  }
}

async function load(run: () => Promise<void>, ms: number): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await run();
        calls += 1;
      }
    }),
  );
  return calls;
}

for (const v of variants) await load(v.run, 500);
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
    await load(v.run, 30);
    const before = process.cpuUsage();
    const calls = await load(v.run, sliceMs);
    const used = process.cpuUsage(before);
    v.cpu.push((used.user + used.system) / calls);
  }
  loads.push(loadavg()[0]!);
  process.stderr.write(`round ${round + 1}/${rounds}, load ${loadavg()[0]!.toFixed(2)}\n`);
}
console.log(`load average after each round: ${loads.map((l) => l.toFixed(2)).join(' ')}`);
console.log('| variant | CPU µs/call (median) | vs the first variant of its protocol and headers (median of per-round differences) |');
console.log('|---|---:|---:|');
const kind = (v: Variant) => v.name.split(' ')[1];
for (const v of variants) {
  const first = variants.find((o) => kind(o) === kind(v))!;
  const diff = median(v.cpu.map((c, i) => c - first.cpu[i]!));
  console.log(`| ${v.name} | ${median(v.cpu).toFixed(1)} | ${v === first ? '—' : `${diff >= 0 ? '+' : ''}${diff.toFixed(1)}`} |`);
}
console.log('\n| headers cost (median of per-round differences, µs/call) | Connect | gRPC |');
console.log('|---|---:|---:|');
for (const target of targets) {
  const d = (p: string) => {
    const a = variants.find((v) => v.name === `${target.name} ${p}`);
    const b = variants.find((v) => v.name === `${target.name} ${p}+headers`);
    return a && b ? median(b.cpu.map((c, i) => c - a.cpu[i]!)).toFixed(1) : '—';
  };
  console.log(`| ${target.name} | ${d('connect')} | ${d('grpc')} |`);
}
process.exit(0);
