// The benchmark's 5-step saga and the same five RPCs as a plain chain: post a
// job (market), create an escrow (billing), provision a pod (skillpod), create
// a project (cockpit), notify the client (notification). Both send the same
// requests with the same idempotency keys; neither needs seeded data.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DescService } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { createMeshClient } from '../../src/rpc/client/index.js';
import { defineSaga, isTransientError, sagaCallOptions, type SagaCallOptions, type SagaDefinition } from '../../src/saga/index.js';
import { ServiceCatalog } from '../../src/services/service-catalog.js';
import { money } from '../../src/services/shared/index.js';

/** BENCH_SAGA_NAME names the benchmark's saga. */
export const BENCH_SAGA_NAME = 'bench-five-steps';
/** BENCH_SAGA_UNDOABLE_FIRST_NAME names its variant whose first step has a (no-op) compensation, so a pipelined log writes the saga's start ahead of it. */
export const BENCH_SAGA_UNDOABLE_FIRST_NAME = 'bench-five-steps-undoable-first';

/** ServiceUrls are where the five services listen. */
export type ServiceUrls = Record<'market' | 'billing' | 'skillpod' | 'cockpit' | 'notification', string>;

/** BenchClients are the five services' clients. */
export interface BenchClients {
  market: Client<typeof ServiceCatalog.market.service>;
  billing: Client<typeof ServiceCatalog.billing.service>;
  skillpod: Client<typeof ServiceCatalog.skillpod.service>;
  cockpit: Client<typeof ServiceCatalog.cockpit.service>;
  notification: Client<typeof ServiceCatalog.notification.service>;
  close(): void;
}

/** benchClients connects to the services without breaker or client retries (the saga retries transient errors itself). */
export function benchClients(urls: ServiceUrls): BenchClients {
  const handles: { close(): void }[] = [];
  const of = <S extends DescService>(service: S, url: string) => {
    const handle = createMeshClient(service, { baseUrls: url, breaker: false, retry: false });
    handles.push(handle);
    return handle.client;
  };
  return {
    market: of(ServiceCatalog.market.service, urls.market),
    billing: of(ServiceCatalog.billing.service, urls.billing),
    skillpod: of(ServiceCatalog.skillpod.service, urls.skillpod),
    cockpit: of(ServiceCatalog.cockpit.service, urls.cockpit),
    notification: of(ServiceCatalog.notification.service, urls.notification),
    close: () => handles.forEach((handle) => handle.close()),
  };
}

const budget = { type: BudgetType.FIXED, min: money('EUR', 500n), max: money('EUR', 1500n) };
type Call = (step: string) => SagaCallOptions;

// The five calls, shared by the saga's steps and the chain.
const calls = {
  postJob: async (c: BenchClients, tag: string, call: SagaCallOptions) =>
    (await c.market.createJob({ clientId: `usr_client_${tag}`, title: `Bench ${tag}`, description: 'saga benchmark', budget }, call)).job!.jobId,
  createEscrow: async (c: BenchClients, tag: string, call: SagaCallOptions) =>
    (await c.billing.createEscrow({ contractId: `ctr_${tag}`, clientId: `usr_client_${tag}`, freelancerId: `usr_free_${tag}`, amount: money('EUR', 1200n) }, call)).escrow!.escrowId,
  provisionPod: async (c: BenchClients, tag: string, call: SagaCallOptions) =>
    (await c.skillpod.provisionPod({ contractId: `ctr_${tag}`, freelancerId: `usr_free_${tag}`, templateId: 'standard' }, call)).pod!.podId,
  createProject: async (c: BenchClients, tag: string, call: SagaCallOptions) =>
    (await c.cockpit.createProject({ contractId: `ctr_${tag}`, clientId: `usr_client_${tag}`, freelancerId: `usr_free_${tag}`, name: `Bench ${tag}` }, call)).project!.projectId,
  notify: async (c: BenchClients, tag: string, call: SagaCallOptions) =>
    (await c.notification.notifyUser({ userId: `usr_client_${tag}`, title: 'Contract started', body: `Bench ${tag}`, topic: 'contracts' }, call)).notificationId,
};

/** runChain makes the five calls one after the other, each under `<id>:<step>:execute` as the saga would; `timed` hears each call's duration. */
export async function runChain(clients: BenchClients, id: string, timed?: (index: number, ms: number) => void): Promise<void> {
  const call: Call = (step) => sagaCallOptions(`${id}:${step}:execute`, new AbortController().signal);
  const chain = [
    () => calls.postJob(clients, id, call('postJob')),
    () => calls.createEscrow(clients, id, call('createEscrow')),
    () => calls.provisionPod(clients, id, call('provisionPod')),
    () => calls.createProject(clients, id, call('createProject')),
    () => calls.notify(clients, id, call('notify')),
  ];
  for (let index = 0; index < chain.length; index++) {
    const t0 = timed ? performance.now() : 0;
    await chain[index]!();
    timed?.(index, performance.now() - t0);
  }
}

/** BenchSagaOptions tune the benchmark saga. */
export interface BenchSagaOptions {
  /** hold, when set, is awaited before the first call: the recovery run parks its sagas there. */
  hold?: Promise<void>;
  /** local replaces the five calls by local work (the recovery run measures the coordinator, not the services' RPC throughput). */
  local?: boolean;
  /** undoableFirst gives the first step a no-op compensation (the saga is then BENCH_SAGA_UNDOABLE_FIRST_NAME). */
  undoableFirst?: boolean;
}

/** benchSaga is the five calls as a saga (no compensations unless undoableFirst: the benchmark measures the forward path). */
export function benchSaga(clients: BenchClients, options: BenchSagaOptions = {}): SagaDefinition<{ tag: string }, string> {
  const run = (call: (c: BenchClients, tag: string, options: SagaCallOptions) => Promise<string>) =>
    options.local ? async (ctx: { input: { tag: string }; step: string }) => `${ctx.input.tag}:${ctx.step}` : async (ctx: { input: { tag: string }; callOptions(): SagaCallOptions }) => call(clients, ctx.input.tag, ctx.callOptions());
  const common = { retry: { maxAttempts: 5, handle: isTransientError, backoff: { initialDelay: 50, maxDelay: 1000 } }, timeout: 120_000 };
  return defineSaga<{ tag: string }>({ name: options.undoableFirst ? BENCH_SAGA_UNDOABLE_FIRST_NAME : BENCH_SAGA_NAME, version: 1, timeout: 600_000 })
    .step({
      name: 'postJob',
      ...common,
      ...(options.undoableFirst ? { compensate: async () => undefined } : {}),
      execute: async (ctx) => {
        if (options.hold) await options.hold;
        return run(calls.postJob)(ctx);
      },
    })
    .step({ name: 'createEscrow', ...common, execute: run(calls.createEscrow) })
    .step({ name: 'provisionPod', ...common, execute: run(calls.provisionPod) })
    .step({ name: 'createProject', ...common, execute: run(calls.createProject) })
    .step({ name: 'notify', ...common, execute: run(calls.notify) })
    .output((_input, results) => results.notify);
}

/** benchLogOptions are the saga-log settings of one bench coordinator: topics, group and transactional ids of its own (`run`), 6 partitions, a short session. */
export function benchLogOptions(run: string) {
  return {
    topics: { state: `${run}.state`, history: `${run}.history` },
    groupId: `${run}.coordinators`,
    transactionalIdPrefix: run,
    partitions: 6,
    sessionTimeout: 6000,
    heartbeatInterval: 1000,
  };
}

/** startServicesProcess starts services-process.ts and resolves with its URLs and a stop function. */
export async function startServicesProcess(): Promise<{ urls: ServiceUrls; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./services-process.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const urls = await new Promise<ServiceUrls>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('URLS ')) resolve(JSON.parse(line.slice('URLS '.length)) as ServiceUrls);
    });
    child.once('exit', (code) => reject(new Error(`the services process exited (${code}) before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    urls,
    child,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
