import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { createMeshClient, type MeshClient } from '../../src/rpc/client/index.js';
import { createServer, defineService, type MeshServer } from '../../src/rpc/server/index.js';
import { createQueueManager, QueueNames, type QueueManager } from '../../src/jobs/index.js';
import { createNotifyUserJobProcessor, createSagaJobQueue, type ContractSagaClients, type SagaJobQueue, type SagaOrchestratorOptions, type SagaTopics } from '../../src/saga/index.js';
import { ServiceCatalog, type StoreOf } from '../../src/services/service-catalog.js';
import { createInMemoryEventPublisher, money } from '../../src/services/shared/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';

/** SAGA_SERVICE_NAMES are the services the contract saga calls. */
export const SAGA_SERVICE_NAMES = ['market', 'billing', 'skillpod', 'cockpit', 'notification'] as const;
type SagaServiceName = (typeof SAGA_SERVICE_NAMES)[number];

/** SagaServices are the five reference services on real HTTP/2 servers (server kit: idempotency guard on), with call log and failure injection. */
export interface SagaServices {
  urls: Record<SagaServiceName, string>;
  stores: { [N in SagaServiceName]: StoreOf<N> };
  /** calls lists the method names the servers answered successfully, in order ("!Name" for an injected failure). */
  calls: string[];
  /** failing holds method names (e.g. "CreateEscrow") that fail with FAILED_PRECONDITION before reaching the handler. */
  failing: Set<string>;
  clients: ContractSagaClients;
  /** jobsPrefix is the topic prefix of the job queues (a coordinator in a child process adds jobs under it). */
  jobsPrefix: string;
  /** jobManager runs a PUSH_QUEUE worker calling NotifyUser (createNotifyUserJobProcessor), as the notifyParties step needs. */
  jobManager: QueueManager;
  /** jobs is the contract saga's SagaJobQueue over jobManager. */
  jobs: SagaJobQueue;
  close(): Promise<void>;
}

/** startSagaServices serves the five services on free ports with the server kit (so repeated idempotency keys are deduped). */
export async function startSagaServices(): Promise<SagaServices> {
  const calls: string[] = [];
  const failing = new Set<string>();
  const inject: Interceptor = (next) => async (request) => {
    const name = request.method.name;
    if (failing.has(name)) {
      calls.push(`!${name}`);
      throw new ConnectError(`injected failure of ${name}`, Code.FailedPrecondition);
    }
    const response = await next(request);
    calls.push(name);
    return response;
  };
  const servers: MeshServer[] = [];
  const handles: MeshClient<DescService>[] = [];
  const urls = {} as Record<SagaServiceName, string>;
  const stores = {} as Record<SagaServiceName, unknown>;
  for (const name of SAGA_SERVICE_NAMES) {
    const entry = ServiceCatalog[name] as unknown as {
      service: DescService;
      createStore(): unknown;
      createImplementation(deps: { store: unknown; events: ReturnType<typeof createInMemoryEventPublisher> }): ServiceImpl<DescService>;
    };
    const store = entry.createStore();
    const implementation = entry.createImplementation({ store, events: createInMemoryEventPublisher() });
    const server = await createServer({
      services: [defineService(entry.service, implementation)],
      port: 0,
      host: '127.0.0.1',
      interceptors: [inject],
      health: false,
      reflection: false,
      shutdownTimeoutMs: 1000,
    });
    servers.push(server);
    urls[name] = server.url;
    stores[name] = store;
  }
  const clientOf = <S extends DescService>(service: S, url: string) => {
    const handle = createMeshClient(service, { baseUrls: url, breaker: false, retry: false });
    handles.push(handle as unknown as MeshClient<DescService>);
    return handle.client;
  };
  const clients: ContractSagaClients = {
    market: clientOf(ServiceCatalog.market.service, urls.market),
    billing: clientOf(ServiceCatalog.billing.service, urls.billing),
    skillpod: clientOf(ServiceCatalog.skillpod.service, urls.skillpod),
    cockpit: clientOf(ServiceCatalog.cockpit.service, urls.cockpit),
    notification: clientOf(ServiceCatalog.notification.service, urls.notification),
  };
  const jobsPrefix = `${uniqueName('tsj')}.`;
  const jobManager = createQueueManager({ kafka: testKafka(), topicPrefix: jobsPrefix });
  const worker = jobManager.createWorker(QueueNames.PUSH_QUEUE, createNotifyUserJobProcessor(clients.notification), { concurrency: 16 });
  await worker.waitUntilReady();
  return {
    urls,
    stores: stores as SagaServices['stores'],
    calls,
    failing,
    clients,
    jobsPrefix,
    jobManager,
    jobs: createSagaJobQueue({ manager: jobManager }),
    async close() {
      await jobManager.close();
      for (const handle of handles) handle.close();
      await Promise.all(servers.map((server) => server.close({ timeoutMs: 500 })));
    },
  };
}

/** AcceptedBid is a job awarded to a bid, ready for the contract saga. */
export interface AcceptedBid {
  jobId: string;
  bidId: string;
  clientId: string;
  freelancerId: string;
}

/** seedAcceptedBid posts a job, bids on it and accepts the bid. */
export async function seedAcceptedBid(services: SagaServices): Promise<AcceptedBid> {
  const tag = uniqueName('saga');
  const clientId = `usr_client_${tag}`;
  const freelancerId = `usr_freelancer_${tag}`;
  const market = services.clients.market;
  const budget = { type: BudgetType.FIXED, min: money('EUR', 500n), max: money('EUR', 1500n) };
  const job = (await market.createJob({ clientId, title: `Build ${tag}`, description: 'Work for the saga test', budget })).job!;
  const bid = (await market.submitBid({ jobId: job.jobId, freelancerId, amount: money('EUR', 1200n) })).bid!;
  await market.acceptBid({ bidId: bid.bidId });
  return { jobId: job.jobId, bidId: bid.bidId, clientId, freelancerId };
}

/** ContractEffects counts the effects the contract saga and its compensations can have. */
export interface ContractEffects {
  contractsCreated: number;
  contractsCancelled: number;
  escrowsCreated: number;
  escrowsRefunded: number;
  podsRequested: number;
  podsTerminated: number;
  projectsCreated: number;
  projectsArchived: number;
  notificationsSent: number;
}

/** contractEffects reads the services' effect counters. */
export function contractEffects(services: SagaServices): ContractEffects {
  const { market, billing, skillpod, cockpit, notification } = services.stores;
  return {
    contractsCreated: market.counters.get('contractsCreated'),
    contractsCancelled: market.counters.get('contractsCancelled'),
    escrowsCreated: billing.counters.get('escrowsCreated'),
    escrowsRefunded: billing.counters.get('escrowsRefunded'),
    podsRequested: skillpod.counters.get('podsRequested'),
    podsTerminated: skillpod.counters.get('podsTerminated'),
    projectsCreated: cockpit.counters.get('projectsCreated'),
    projectsArchived: cockpit.counters.get('projectsArchived'),
    notificationsSent: notification.counters.get('inAppSent'),
  };
}

/** ONE_COMPLETED_CONTRACT is what one completed contract saga does at the services: every effect once, nothing undone. */
export const ONE_COMPLETED_CONTRACT: Readonly<ContractEffects> = Object.freeze({
  contractsCreated: 1,
  contractsCancelled: 0,
  escrowsCreated: 1,
  escrowsRefunded: 0,
  podsRequested: 1,
  podsTerminated: 0,
  projectsCreated: 1,
  projectsArchived: 0,
  notificationsSent: 2,
});

/** effectsDelta subtracts two counter readings. */
export function effectsDelta(after: ContractEffects, before: ContractEffects): ContractEffects {
  return Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - before[name as keyof ContractEffects]])) as unknown as ContractEffects;
}

/** TEST_SESSION_TIMEOUT_MS is the broker's minimum session, so a killed coordinator's partitions move quickly. */
export const TEST_SESSION_TIMEOUT_MS = 6000;

/** testSagaLog gives a test its own saga-log topics and coordinator group. */
export function testSagaLog(): { topics: SagaTopics; groupId: string } {
  return { topics: { state: uniqueName('saga-state'), history: uniqueName('saga-history') }, groupId: uniqueName('saga-coord') };
}

/** testOrchestratorOptions are coordinator options for tests: a fresh Kafka client, 3 partitions, short sessions. */
export function testOrchestratorOptions(log: { topics: SagaTopics; groupId: string }, overrides: Partial<SagaOrchestratorOptions> = {}): SagaOrchestratorOptions {
  return { partitions: 3, sessionTimeout: TEST_SESSION_TIMEOUT_MS, heartbeatInterval: 1000, rebalanceTimeout: 10_000, ...log, ...overrides };
}

// The suite's own name for the shared helper, which its tests import from here.
export { waitUntil } from '../support/wait-until.js';
