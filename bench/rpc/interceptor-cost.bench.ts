// What the toolkit's client interceptors cost per call, without the network:
// every client below ends in an interceptor that answers at once instead of
// sending, so the difference to the bare client is the interceptors' own CPU
// time (connect-es's call machinery is in both). Run alone with
//   npx tsx bench/rpc/interceptor-cost.bench.ts
import { create } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor, type UnaryResponse } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService, GetUserResponseSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { createServiceKeyPair, createServiceTokenSigner } from '../../src/rpc/auth/index.js';
import { createMeshClient, type ServiceClientOptions } from '../../src/rpc/client/index.js';
import {
  createBreakerInterceptor,
  createConnectionErrorInterceptor,
  createContextInterceptor,
  createDeadlineInterceptor,
  createRetryInterceptor,
  createServiceTokenInterceptor,
} from '../../src/rpc/interceptors/index.js';
import { median } from './closed-loop.js';
import { envInt } from '../env-int.js';

const config = {
  rounds: envInt('BENCH_RPC_COST_ROUNDS', 4),
  /** Length of one measured run, calls made one after the other. */
  runMs: envInt('BENCH_RPC_COST_RUN_MS', 300),
  warmupMs: envInt('BENCH_RPC_COST_WARMUP_MS', 400),
};

const BASE_URL = 'http://127.0.0.1:9';
const response = create(GetUserResponseSchema, { user: { userId: 'usr-1', displayName: 'Bench User' } });
/** answer stands in for the network: it never calls next. */
const answer: Interceptor = () => async (req) =>
  // Only unary GetUser calls come here.
  ({ stream: false, service: req.service, method: req.method, header: new Headers(), trailer: new Headers(), message: response }) as UnaryResponse;

type AuthClient = Client<typeof AuthService>;
const bare = (interceptors: Interceptor[]): AuthClient =>
  createClient(AuthService, createGrpcTransport({ baseUrl: BASE_URL, interceptors: [...interceptors, answer] }));
const mesh = (options: Partial<ServiceClientOptions> = {}): AuthClient =>
  createMeshClient(AuthService, { baseUrls: BASE_URL, protocol: 'grpc', ...options, interceptors: [answer] }).client;

// A service token signed once and then served from the signer's cache, as in a running service.
const { privateKey } = await createServiceKeyPair('bench');
const signer = createServiceTokenSigner({ issuer: 'bench', privateKey });

/** Each variant is compared with `baseline` (the bare gRPC client unless it says otherwise). */
const variants: Array<{ name: string; client: AuthClient; baseline?: string }> = [
  { name: 'bare (no interceptors)', client: bare([]) },
  { name: 'context alone', client: bare([createContextInterceptor()]) },
  { name: 'deadline alone', client: bare([createDeadlineInterceptor()]) },
  { name: 'retry alone', client: bare([createRetryInterceptor()]) },
  { name: 'breaker alone', client: bare([createBreakerInterceptor()]) },
  { name: 'connection-error alone', client: bare([createConnectionErrorInterceptor()]) },
  { name: 'service token alone (cached)', client: bare([createServiceTokenInterceptor({ signer })]) },
  { name: 'full stack (createMeshClient)', client: mesh() },
  { name: 'full stack, no retry', client: mesh({ retry: false }) },
  { name: 'full stack, no breaker', client: mesh({ breaker: false }) },
  { name: 'full stack + service token', client: mesh({ serviceToken: { signer } }) },
  // The Connect protocol: its own header and timeout formats.
  { name: 'bare, Connect protocol', client: createClient(AuthService, createConnectTransport({ baseUrl: BASE_URL, httpVersion: '2', interceptors: [answer] })) },
  { name: 'full stack, Connect protocol', client: mesh({ protocol: 'connect' }), baseline: 'bare, Connect protocol' },
];

/**
 * measure returns the CPU time (user + system) per call of this process: on a
 * shared machine wall time mostly measures the neighbours.
 */
async function measure(client: AuthClient, ms: number): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  const cpu = process.cpuUsage();
  while (performance.now() < end) {
    // 100 calls per clock read: the clock is not free either.
    for (let i = 0; i < 100; i++) await client.getUser({ userId: 'usr-1' });
    calls += 100;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / calls;
}

for (const variant of variants) await measure(variant.client, config.warmupMs);
const perCall = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < config.rounds; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) perCall.get(variant.name)!.push(await measure(variant.client, config.runMs));
  process.stderr.write(`interceptor cost round ${round + 1}/${config.rounds}\n`);
}

const lines = [
  '\nClient interceptor cost per call (no network; sequential calls; CPU time; median of per-round values):\n',
  '| client | CPU µs per call | added µs vs its bare client |',
  '|---|---:|---:|',
];
const results = variants.map((variant) => {
  const values = perCall.get(variant.name)!;
  const baselineName = variant.baseline ?? variants[0]!.name;
  const baseline = perCall.get(baselineName)!;
  const added = median(values.map((value, i) => value - baseline[i]!));
  const isBare = variant.name === variants[0]!.name || variants.some((v) => v.baseline === variant.name);
  lines.push(`| ${variant.name} | ${median(values).toFixed(1)} | ${isBare ? '—' : `${added >= 0 ? '+' : ''}${added.toFixed(1)}`} |`);
  return { name: variant.name, usPerCall: median(values), baseline: baselineName, addedUs: added };
});
console.log(lines.join('\n'));
console.log(`\n${JSON.stringify({ bench: 'rpc-interceptor-cost', config, results })}`);
