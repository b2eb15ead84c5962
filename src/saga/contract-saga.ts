import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { BillingService } from '../../gen/billing/v1/billing_service_pb.js';
import type { CockpitService } from '../../gen/cockpit/v1/cockpit_service_pb.js';
import { BidStatus } from '../../gen/market/v1/bid_pb.js';
import { JobStatus } from '../../gen/market/v1/job_pb.js';
import type { MarketService } from '../../gen/market/v1/market_service_pb.js';
import type { Money } from '../../gen/mesh/v1/money_pb.js';
import { SendPushJobSchema } from '../../gen/notification/v1/notification_jobs_pb.js';
import type { NotificationService } from '../../gen/notification/v1/notification_service_pb.js';
import type { SkillpodService } from '../../gen/skillpod/v1/skillpod_service_pb.js';
import { billingClient, cockpitClient, marketClient, skillpodClient } from '../rpc/client/index.js';
import { QueueNames, queueManager } from '../jobs/index.js';
import { awaitSagaJob, type SagaJobQueue } from './job-step.js';
import type { SagaDefinition, StepRetryPolicy } from './saga-definition.js';
import { defineSaga } from './saga-definition.js';
import { createSagaJobQueue } from './saga-job-queue.js';

/** CONTRACT_SAGA_NAME names the contract saga's definition. */
export const CONTRACT_SAGA_NAME = 'create-contract';
/** CONTRACT_SAGA_VERSION is the version createContractSaga builds unless told otherwise. */
export const CONTRACT_SAGA_VERSION = 1;
/** DEFAULT_CONTRACT_POD_TEMPLATE_ID is the skillpod template of a new contract's pod (the reference service's default). */
export const DEFAULT_CONTRACT_POD_TEMPLATE_ID = 'standard';
/** CONTRACT_SAGA_STEPS names the contract saga's steps, in order. */
export const CONTRACT_SAGA_STEPS = ['checkJobAndBid', 'createContract', 'createEscrow', 'provisionPod', 'createProject', 'notifyParties'] as const;
/** CONTRACT_NOTIFY_JOB_NAME names the PUSH_QUEUE jobs of the notifyParties step (run by createNotifyUserJobProcessor). */
export const CONTRACT_NOTIFY_JOB_NAME = 'notify-contract-party';
/** NOTIFY_TOPIC_DATA_KEY is the SendPushJob data entry that carries NotifyUser's `topic` (the job message has no field for it). */
export const NOTIFY_TOPIC_DATA_KEY = 'notify_topic';
/** TRANSIENT_CODES are the RPC errors a contract-saga step tries again; any other error ends the step (and starts compensation). */
export const TRANSIENT_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted, Code.Unknown]);

/** ContractSagaInput is what a contract saga starts from: an accepted bid of an awarded job. */
export interface ContractSagaInput {
  jobId: string;
  bidId: string;
  /** @defaultValue DEFAULT_CONTRACT_POD_TEMPLATE_ID */
  podTemplateId?: string;
}

/** ContractSagaOutput lists what the saga created. */
export interface ContractSagaOutput {
  contractId: string;
  escrowId: string;
  podId: string;
  projectId: string;
  clientId: string;
  freelancerId: string;
}

/** ContractSagaClients are the RPC clients the steps call. */
export interface ContractSagaClients {
  market: Client<typeof MarketService>;
  billing: Client<typeof BillingService>;
  skillpod: Client<typeof SkillpodService>;
  cockpit: Client<typeof CockpitService>;
  /** notification is not called by the saga (notifyParties is a job); kept so one set of clients serves the saga and its worker. */
  notification: Client<typeof NotificationService>;
}

/** ContractSagaOptions configure createContractSaga. */
export interface ContractSagaOptions {
  /** @defaultValue the ready clients (marketClient, billingClient, …) */
  clients?: Partial<ContractSagaClients>;
  /**
   * jobs runs the notifyParties step: one PUSH_QUEUE job per party, awaited
   * (a worker with createNotifyUserJobProcessor must run somewhere).
   * @defaultValue createSagaJobQueue over the process's queueManager
   */
  jobs?: SagaJobQueue;
  /** @defaultValue CONTRACT_SAGA_VERSION */
  version?: number;
  /** timeout of the whole saga's forward part, in ms. @defaultValue DEFAULT_SAGA_TIMEOUT_MS */
  timeout?: number;
  /** stepTimeout bounds each step attempt, in ms. @defaultValue DEFAULT_STEP_TIMEOUT_MS */
  stepTimeout?: number;
  /** retry of every step; `handle` defaults to isTransientError. */
  retry?: StepRetryPolicy;
  /** compensationRetry of every compensation; `handle` defaults to every error. */
  compensationRetry?: StepRetryPolicy;
}

/** isTransientError says whether a step failure is worth another try: TRANSIENT_CODES and timeouts. */
export function isTransientError(error: unknown): boolean {
  if (error instanceof ConnectError) return TRANSIENT_CODES.has(error.code);
  return (error as { code?: unknown } | undefined)?.code === 'STEP_TIMEOUT';
}

class ContractCheckError extends Error {
  override readonly name = 'ContractCheckError';
  readonly code = 'CONTRACT_CHECK_FAILED';
}

/**
 * createContractSaga builds the saga that turns an accepted bid into a
 * running contract: check job and bid (market) → create the contract
 * (market) → fund an escrow (billing) → provision a pod (skillpod) → create
 * the cockpit project → notify both parties (PUSH_QUEUE jobs that a
 * createNotifyUserJobProcessor worker turns into NotifyUser calls). Compensations,
 * in reverse: archive the project, terminate the pod, refund the escrow,
 * cancel the contract. Every mutating call carries the step's idempotency key.
 */
export function createContractSaga(options: ContractSagaOptions = {}): SagaDefinition<ContractSagaInput, ContractSagaOutput> {
  const market = options.clients?.market ?? marketClient;
  const billing = options.clients?.billing ?? billingClient;
  const skillpod = options.clients?.skillpod ?? skillpodClient;
  const cockpit = options.clients?.cockpit ?? cockpitClient;
  let defaultJobs: SagaJobQueue | undefined;
  // Created on first use: building the definition does no I/O.
  const jobs = () => options.jobs ?? (defaultJobs ??= createSagaJobQueue({ manager: queueManager }));
  const retry: StepRetryPolicy = { handle: isTransientError, ...options.retry };
  const common = {
    retry,
    ...(options.compensationRetry ? { compensationRetry: options.compensationRetry } : {}),
    ...(options.stepTimeout === undefined ? {} : { timeout: options.stepTimeout }),
  };

  return defineSaga<ContractSagaInput>({
    name: CONTRACT_SAGA_NAME,
    version: options.version ?? CONTRACT_SAGA_VERSION,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  })
    .step({
      name: 'checkJobAndBid',
      ...common,
      async execute(ctx) {
        const call = ctx.callOptions();
        const [{ job }, { bid }] = await Promise.all([market.getJob({ jobId: ctx.input.jobId }, call), market.getBid({ bidId: ctx.input.bidId }, call)]);
        if (!job || !bid) throw new ContractCheckError('market returned no job or bid');
        if (bid.jobId !== job.jobId) throw new ContractCheckError(`bid ${bid.bidId} is not for job ${job.jobId}`);
        if (job.status !== JobStatus.AWARDED) throw new ContractCheckError(`job ${job.jobId} is ${JobStatus[job.status]}, not AWARDED`);
        if (bid.status !== BidStatus.ACCEPTED) throw new ContractCheckError(`bid ${bid.bidId} is ${BidStatus[bid.status]}, not ACCEPTED`);
        if (!bid.amount) throw new ContractCheckError(`bid ${bid.bidId} has no amount`);
        return { clientId: job.clientId, freelancerId: bid.freelancerId, amount: bid.amount as Money, title: job.title };
      },
    })
    .step({
      name: 'createContract',
      ...common,
      async execute(ctx) {
        const { contract } = await market.createContract({ jobId: ctx.input.jobId, bidId: ctx.input.bidId }, ctx.callOptions());
        return { contractId: contract!.contractId };
      },
      async compensate(ctx, result) {
        await market.cancelContract({ contractId: result.contractId, reason: `saga ${ctx.sagaId} compensated` }, ctx.callOptions());
      },
    })
    .step({
      name: 'createEscrow',
      ...common,
      async execute(ctx) {
        const { clientId, freelancerId, amount } = ctx.results.checkJobAndBid;
        const { escrow } = await billing.createEscrow({ contractId: ctx.results.createContract.contractId, clientId, freelancerId, amount }, ctx.callOptions());
        return { escrowId: escrow!.escrowId };
      },
      async compensate(ctx, result) {
        await billing.refundEscrow({ escrowId: result.escrowId, reason: `saga ${ctx.sagaId} compensated` }, ctx.callOptions());
      },
    })
    .step({
      name: 'provisionPod',
      ...common,
      async execute(ctx) {
        const { pod } = await skillpod.provisionPod(
          {
            contractId: ctx.results.createContract.contractId,
            freelancerId: ctx.results.checkJobAndBid.freelancerId,
            templateId: ctx.input.podTemplateId ?? DEFAULT_CONTRACT_POD_TEMPLATE_ID,
          },
          ctx.callOptions(),
        );
        return { podId: pod!.podId };
      },
      async compensate(ctx, result) {
        await skillpod.terminatePod({ podId: result.podId, reason: `saga ${ctx.sagaId} compensated` }, ctx.callOptions());
      },
    })
    .step({
      name: 'createProject',
      ...common,
      async execute(ctx) {
        const { clientId, freelancerId, title } = ctx.results.checkJobAndBid;
        const { project } = await cockpit.createProject({ contractId: ctx.results.createContract.contractId, clientId, freelancerId, name: title.slice(0, 200) }, ctx.callOptions());
        return { projectId: project!.projectId };
      },
      async compensate(ctx, result) {
        await cockpit.archiveProject({ projectId: result.projectId }, ctx.callOptions());
      },
    })
    .step({
      name: 'notifyParties',
      ...common,
      async execute(ctx) {
        const { clientId, freelancerId, title } = ctx.results.checkJobAndBid;
        const contractId = ctx.results.createContract.contractId;
        // One job per party, each id derived from the step's key (proto/README.md, "<key>:<call>"): a repeated step re-adds nothing.
        const notify = async (userId: string, role: string) => {
          const jobId = `${ctx.idempotencyKey}:${role}`;
          const data = create(SendPushJobSchema, {
            notificationId: jobId,
            userId,
            title: 'Contract started',
            body: `The contract for "${title}" is ready.`,
            data: { contract_id: contractId, [NOTIFY_TOPIC_DATA_KEY]: 'contracts' },
          });
          const outcome = (await awaitSagaJob(jobs(), ctx, QueueNames.PUSH_QUEUE, CONTRACT_NOTIFY_JOB_NAME, data, jobId)) as { result?: Uint8Array };
          return new TextDecoder().decode(outcome.result ?? new Uint8Array());
        };
        const [client, freelancer] = await Promise.all([notify(clientId, 'client'), notify(freelancerId, 'freelancer')]);
        return { notificationIds: [client, freelancer] };
      },
    })
    .output((_input, results) => ({
      contractId: results.createContract.contractId,
      escrowId: results.createEscrow.escrowId,
      podId: results.provisionPod.podId,
      projectId: results.createProject.projectId,
      clientId: results.checkJobAndBid.clientId,
      freelancerId: results.checkJobAndBid.freelancerId,
    }));
}
