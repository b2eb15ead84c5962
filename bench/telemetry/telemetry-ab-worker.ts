// A worker of the telemetry A/B driver, run as its own process:
//   node --import tsx bench/telemetry/telemetry-ab-worker.ts <tree> <mode> <otlp endpoint>
// Client and server of the telemetry bench in one process, both from the
// source tree <tree> (this repository, or a copy of an older commit), with
// telemetry as <mode> says (`on-0` samples nothing: the SDK's fixed cost). On
// a LoadRequest (IPC) it runs a closed loop of GetUser calls and answers with
// the process's CPU time per call, client and server together.
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { GCProfiler } from 'node:v8';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HandlerContext } from '@connectrpc/connect';
import { runClosedLoop } from '../rpc/closed-loop.js';

/** AbMode is a telemetry mode of the A/B driver: off, or on at a sampling percentage. */
export type AbMode = 'off' | 'on-0' | 'on-10' | 'on-100';

/** AbReport is one closed-loop run of a worker. */
export interface AbReport {
  calls: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** cpuUs is the process's CPU time per call (client and server), in microseconds. */
  cpuUs: number;
  /**
   * promotedBytes is what scavenges moved to the old generation, per call:
   * objects that outlived two young-generation collections, which only the
   * costlier old-generation GC frees. Unlike time, it hardly depends on the
   * machine's load.
   */
  promotedBytes: number;
  /** gcUs is the main thread's GC pause time per call, in microseconds. */
  gcUs: number;
  /**
   * allocatedBytes is what the young generation took in between collections,
   * per call (the first collection's share is not seen): the allocation rate
   * that drives scavenges, and so promotion.
   */
  allocatedBytes: number;
}

interface GcStatistics {
  gcType: string;
  cost: number;
  beforeGC: { heapSpaceStatistics: Array<{ spaceName: string; spaceUsedSize: number }> };
  afterGC: { heapSpaceStatistics: Array<{ spaceName: string; spaceUsedSize: number }> };
}

const spaceUsed = (stats: GcStatistics['beforeGC'], name: string) => stats.heapSpaceStatistics.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;
const oldSpace = (stats: GcStatistics['beforeGC']) => spaceUsed(stats, 'old_space');
const newSpace = (stats: GcStatistics['beforeGC']) => spaceUsed(stats, 'new_space');

const [tree, mode, endpoint] = process.argv.slice(2) as [string, AbMode, string];
const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(tree, path)).href) as Promise<T>;

type Telemetry = typeof import('../../src/telemetry/index.js');
type Server = typeof import('../../src/rpc/server/index.js');
type Client = typeof import('../../src/rpc/client/index.js');
type Auth = typeof import('../../src/services/auth/index.js');
type Shared = typeof import('../../src/services/shared/index.js');
type AuthPb = typeof import('../../gen/auth/v1/auth_service_pb.js');
type UserPb = typeof import('../../gen/auth/v1/user_pb.js');

const telemetryModule = await load<Telemetry>('src/telemetry/index.ts');
const telemetry =
  mode === 'off' ? undefined : telemetryModule.startTelemetry({ serviceName: `ab-${mode}`, otlpEndpoint: endpoint, sampleRatio: Number(mode.slice(3)) / 100 });
const { createServer, defineService } = await load<Server>('src/rpc/server/index.ts');
const { createMeshClient } = await load<Client>('src/rpc/client/index.ts');
const { AuthStore, createAuthService } = await load<Auth>('src/services/auth/index.ts');
const { createInMemoryEventPublisher } = await load<Shared>('src/services/shared/index.ts');
const { AuthService, CreateUserRequestSchema } = await load<AuthPb>('gen/auth/v1/auth_service_pb.ts');
const { Role } = await load<UserPb>('gen/auth/v1/user_pb.ts');
const { create } = await import('@bufbuild/protobuf');

setMaxListeners(1_000);
const implementation = createAuthService({ store: new AuthStore(), events: createInMemoryEventPublisher({ maxEvents: 10 }) });
const seeded = await implementation.createUser(
  create(CreateUserRequestSchema, { email: 'bench@example.com', displayName: 'Bench User', roles: [Role.FREELANCER] }),
  {} as HandlerContext,
);
const server = await createServer({ services: [defineService(AuthService, implementation)], host: '127.0.0.1', port: 0 });
const mesh = createMeshClient(AuthService, { baseUrls: `http://127.0.0.1:${server.port}` });
const userId = seeded.user!.userId;
const call = () => mesh.client.getUser({ userId });

process.on('message', (request: { concurrency: number; durationMs: number; profile?: boolean; allocations?: boolean }) => {
  void (async () => {
    // A profile of the loop alone, for telemetry-profile.ts.
    const session = request.profile ? new Session() : undefined;
    // Sampled allocations of the loop alone, the short-lived ones too, for telemetry-alloc.ts.
    const heap = request.allocations ? new Session() : undefined;
    if (heap) {
      heap.connect();
      await heap.post('HeapProfiler.enable');
      await heap.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
    }
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 250 });
      await session.post('Profiler.start');
    }
    const gc = new GCProfiler();
    gc.start();
    const cpu = process.cpuUsage();
    const sample = await runClosedLoop(call, request);
    const used = process.cpuUsage(cpu);
    const events = gc.stop().statistics as GcStatistics[];
    let promoted = 0;
    let gcUs = 0;
    let allocated = 0;
    let newAfter: number | undefined;
    for (const event of events) {
      gcUs += event.cost;
      if (newAfter !== undefined) allocated += Math.max(0, newSpace(event.beforeGC) - newAfter);
      newAfter = newSpace(event.afterGC);
      if (event.gcType === 'Scavenge') promoted += Math.max(0, oldSpace(event.afterGC) - oldSpace(event.beforeGC));
    }
    const perCall = (n: number) => n / Math.max(1, sample.calls + sample.errors);
    if (heap) {
      const { profile } = await heap.post('HeapProfiler.stopSampling');
      writeFileSync(process.env.BENCH_AB_PROFILE_OUT ?? 'telemetry.heapprofile', JSON.stringify({ ...profile, calls: sample.calls }));
      heap.disconnect();
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(process.env.BENCH_AB_PROFILE_OUT ?? 'telemetry.cpuprofile', JSON.stringify({ ...profile, calls: sample.calls }));
      session.disconnect();
    }
    const report: AbReport = {
      calls: sample.calls,
      errors: sample.errors,
      ...(sample.firstError ? { firstError: sample.firstError } : {}),
      elapsedMs: sample.elapsedMs,
      cpuUs: perCall(used.user + used.system),
      promotedBytes: perCall(promoted),
      gcUs: perCall(gcUs),
      allocatedBytes: perCall(allocated),
    };
    process.send!(report);
  })();
});
process.on('disconnect', () => {
  mesh.close();
  void server
    .close({ timeoutMs: 1_000 })
    .then(() => telemetry?.shutdown())
    .finally(() => process.exit(0));
});
process.send!('ready');
