// What the telemetry interceptors cost per call without the network: the
// client's context and tracing interceptors, then the server kit's tracing
// and context interceptors, then a handler that answers at once, all in one
// process with telemetry as the mode says (sampling 0, 10 or 100 %, OTLP
// export to a local sink). A tool for judging a change to the tracing path:
//   npx tsx bench/telemetry/telemetry-interceptor-cost.ts [modes...]
// Each mode runs in its own process (the SDK is process-wide), in turn.
// BENCH_TIC_PROF=<dir> writes each worker's CPU profile there. At this loop's
// rate (tens of thousands of calls a second) the batch span processor's
// queue (2048) fills between exports and it drops spans, so the export's
// share is undercounted here; the A/B driver runs at the network's rate.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { createContextValues, type Interceptor, type UnaryRequest, type UnaryResponse } from '@connectrpc/connect';
import { AuthService, GetUserRequestSchema, GetUserResponseSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { createContextInterceptor as createClientContextInterceptor } from '../../src/rpc/interceptors/index.js';
import { createContextInterceptor as createServerContextInterceptor } from '../../src/rpc/server/interceptors/index.js';
import { createClientTracingInterceptor, createServerTracingInterceptor, startTelemetry } from '../../src/telemetry/index.js';
import { median } from '../rpc/closed-loop.js';

const RUN_MS = Number(process.env.BENCH_TIC_RUN_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_TIC_ROUNDS ?? 7);
const CONCURRENCY = 32;

async function worker(mode: string, endpoint: string): Promise<void> {
  const telemetry = mode === 'off' ? undefined : startTelemetry({ serviceName: `tic-${mode}`, otlpEndpoint: endpoint, sampleRatio: Number(mode.slice(3)) / 100 });
  const response = create(GetUserResponseSchema, { user: { userId: 'usr-1' } });
  const handler = async (req: UnaryRequest): Promise<UnaryResponse> =>
    ({ stream: false, service: req.service, method: req.method, header: new Headers(), trailer: new Headers(), message: response }) as UnaryResponse;
  const chain = (interceptors: Interceptor[], last: (req: UnaryRequest) => Promise<UnaryResponse>) =>
    interceptors.reduceRight((next, interceptor) => interceptor(next as never) as never, last);
  // As createServer places them; an older tree ignores the unknown option.
  const server = chain([createServerTracingInterceptor({ handOffContext: true } as object), createServerContextInterceptor()], handler);
  // The "network": the server sees a fresh request with the client's headers.
  const wire = async (req: UnaryRequest): Promise<UnaryResponse> => {
    await Promise.resolve();
    const res = await server({ ...req, header: new Headers(req.header), contextValues: createContextValues() });
    await Promise.resolve();
    return res;
  };
  const client = chain([createClientContextInterceptor(), createClientTracingInterceptor()], wire);
  const method = AuthService.method.getUser;
  const call = () =>
    client({
      stream: false,
      service: AuthService,
      method,
      requestMethod: 'POST',
      url: 'http://127.0.0.1:8080/auth.v1.AuthService/GetUser',
      signal: new AbortController().signal,
      header: new Headers({ 'content-type': 'application/proto' }),
      contextValues: createContextValues(),
      message: create(GetUserRequestSchema, { userId: 'usr-1' }),
    } as UnaryRequest);
  const run = async (ms: number) => {
    const cpu = process.cpuUsage();
    let calls = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          await call();
          calls++;
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / calls;
  };
  await run(RUN_MS * 2);
  process.on('message', (ms: number) => void run(ms).then((us) => process.send!(us)));
  process.on('disconnect', () => void (telemetry?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0)));
  process.send!('ready');
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3]!, process.argv[4]!);
} else {
  const modes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['off', 'on-0', 'on-100'];
  const sink = createServer((req, res) => req.on('data', () => {}).on('end', () => res.writeHead(200).end()));
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const self = fileURLToPath(import.meta.url);
  const children = [];
  for (const mode of modes) {
    const profile = process.env.BENCH_TIC_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_TIC_PROF}/${mode}`] : [];
    const child = fork(self, ['--worker', mode, endpoint], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'message');
    children.push({ mode, child, samples: [] as number[] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of round % 2 ? [...children].reverse() : children) {
      c.child.send(RUN_MS);
      const [us] = (await once(c.child, 'message')) as [number];
      c.samples.push(us);
    }
  }
  const off = children.find((c) => c.mode === 'off');
  for (const c of children) {
    const added = off ? ` (+${median(c.samples.map((v, i) => v - off.samples[i]!)).toFixed(1)} over off)` : '';
    console.log(`${c.mode}: ${median(c.samples).toFixed(1)} µs/call${added}`);
  }
  for (const c of children) c.child.disconnect();
  sink.close();
}
