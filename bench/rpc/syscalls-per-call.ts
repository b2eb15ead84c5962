// Syscalls per RPC call, client and server side, for the RPC bench's client
// variants against the toolkit server (separate processes, h2c on 127.0.0.1).
// Needs strace (Debian: `apt-get install -y strace`). Run with
//   npx tsx bench/rpc/syscalls-per-call.ts [variant ...]
// Variants: toolkit-connect, bare-connect, toolkit-grpc, bare-grpc,
// bare-grpc+headers (default: all). Knobs: SYSCALLS_CALLS (calls per variant,
// default 2000), SYSCALLS_CONCURRENCY (default 1), SYSCALLS_TOP (syscalls
// listed per side, default 8).
//
// Why: a syscall costs ~3 µs on a nested VM, so a few extra per call weigh
// more than the interceptors' JavaScript. For each variant this warms up,
// attaches `strace -f -c` to this process and to the server process, makes
// SYSCALLS_CALLS calls, detaches, and prints the syscalls per call by name.
// The counts are exact whatever else runs on the machine; strace slows the
// calls down, so time nothing here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { createMeshClient } from '../../src/rpc/client/index.js';
import type { BenchServerReady } from './bench-server.js';
import { runClosedLoop } from './closed-loop.js';
import { envInt } from '../env-int.js';

const CALLS = envInt('SYSCALLS_CALLS', 2000);
const CONCURRENCY = envInt('SYSCALLS_CONCURRENCY', 1);
const TOP = envInt('SYSCALLS_TOP', 8);
const WARMUP_MS = 1500;

const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));

async function startServer(): Promise<{ ready: BenchServerReady; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript, 'toolkit'], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<BenchServerReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before it was ready`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as BenchServerReady));
  });
  child.removeAllListeners('exit');
  return { ready, child };
}

/** Tracer is a running `strace -f -c -p pid`, stopped by stop(), which returns calls per syscall. */
interface Tracer {
  stop(): Promise<Map<string, number>>;
}

async function attachStrace(pid: number, dir: string, label: string): Promise<Tracer> {
  const out = join(dir, `${label}.txt`);
  const child = spawn('strace', ['-f', '-c', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // strace says "Process N attached" per thread on stderr; the first line means it is tracing.
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`strace exited with ${code}: is it installed, and may it ptrace?`)));
    createInterface({ input: child.stderr! }).once('line', () => resolve());
  });
  child.removeAllListeners('exit');
  return {
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      return parseStraceSummary(readFileSync(out, 'utf8'));
    },
  };
}

/** parseStraceSummary reads the calls column of `strace -c` output. */
function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    // % time  seconds  usecs/call  calls  [errors]  syscall
    const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (match && match[2] !== 'total') calls.set(match[2]!, Number(match[1]));
  }
  return calls;
}

function describe(calls: Map<string, number>, perCall: number): string {
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const top = [...calls.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([name, n]) => `${name} ${(n / perCall).toFixed(2)}`);
  return `${(total / perCall).toFixed(2)} (${top.join(', ')})`;
}

const server = await startServer();
const dir = mkdtempSync(join(tmpdir(), 'syscalls-per-call-'));
const closers: Array<() => void> = [];
try {
  const url = `http://127.0.0.1:${server.ready.port}`;
  const request = { userId: server.ready.userId };
  const mesh = (protocol: 'connect' | 'grpc') => {
    const made = createMeshClient(AuthService, { baseUrls: url, protocol });
    closers.push(() => made.close());
    return made.client;
  };
  const toolkitHeaders = {
    'grpc-timeout': '10000m',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'x-correlation-id': '6f1c2d9e-3b1a-4c55-9a57-1d2c3b4a5e6f',
  };
  const makers: Record<string, () => () => Promise<unknown>> = {
    'toolkit-connect': () => {
      const client = mesh('connect');
      return () => client.getUser(request);
    },
    'bare-connect': () => {
      const client = createClient(AuthService, createConnectTransport({ baseUrl: url, httpVersion: '2' }));
      return () => client.getUser(request);
    },
    'toolkit-grpc': () => {
      const client = mesh('grpc');
      return () => client.getUser(request);
    },
    'bare-grpc': () => {
      const client = createClient(AuthService, createGrpcTransport({ baseUrl: url }));
      return () => client.getUser(request);
    },
    'bare-grpc+headers': () => {
      const client = createClient(AuthService, createGrpcTransport({ baseUrl: url }));
      return () => client.getUser(request, { headers: toolkitHeaders });
    },
  };
  const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(makers);
  for (const name of chosen) {
    const make = makers[name];
    if (!make) throw new Error(`unknown variant ${name}; known: ${Object.keys(makers).join(', ')}`);
    const call = make();
    await runClosedLoop(call, { concurrency: CONCURRENCY, durationMs: WARMUP_MS });
    // The server's first: `strace -f` on this process would follow (and count) a strace spawned later.
    const serverTracer = await attachStrace(server.child.pid!, dir, `${name}-server`);
    const clientTracer = await attachStrace(process.pid, dir, `${name}-client`);
    // Let the attach settle, then make exactly CALLS calls.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let left = CALLS;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left > 0) {
          left--;
          await call().catch(() => failed++);
        }
      }),
    );
    const [clientCalls, serverCalls] = await Promise.all([clientTracer.stop(), serverTracer.stop()]);
    console.log(`${name} (${CALLS} calls, ${CONCURRENCY} in flight${failed ? `, ${failed} failed` : ''})`);
    console.log(`  client syscalls/call: ${describe(clientCalls, CALLS)}`);
    console.log(`  server syscalls/call: ${describe(serverCalls, CALLS)}`);
  }
} finally {
  for (const close of closers) close();
  server.child.stdin!.end();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
