import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Kafka } from 'kafkajs';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { BidNotificationJob_Kind } from '../../gen/market/v1/market_jobs_pb.js';
import { MoneySchema } from '../../gen/mesh/v1/money_pb.js';
import { SagaStatus, SagaTransition_Kind } from '../../gen/mesh/v1/saga_pb.js';
import { newTraceId, runWithContext } from '../context/index.js';
import { createQueueManager, QueueNames, QueueSchemas } from '../jobs/index.js';
import { authClient, closeMeshClients, marketClient } from '../rpc/client/index.js';
import { DEFAULT_SAGA_TOPICS, readSagaHistory, readSagaStates, sagaPartition } from '../saga/index.js';
import { CliError } from './cli-error.js';
import { contractSagaId } from './components/contract-saga-id.js';
import { createDemoTimeline, type TimelineEntry } from './demo-timeline.js';

/** DEMO_SAGA_TIMEOUT_MS bounds the wait for the coordinator to finish the contract saga. */
export const DEMO_SAGA_TIMEOUT_MS = 60_000;
/** DEMO_JOB_TIMEOUT_MS bounds the wait for the job workers to send a notification. */
export const DEMO_JOB_TIMEOUT_MS = 30_000;
/** DEMO_POLL_INTERVAL_MS is how often the demo reads the saga log while it waits. */
export const DEMO_POLL_INTERVAL_MS = 500;

/** DemoResult is what the demo did: the trace id of every call, the saga, and the timeline. */
export interface DemoResult {
  traceId: string;
  sagaId: string;
  sagaStatus: string;
  timeline: TimelineEntry[];
}

/** RunDemoOptions configure runDemo. */
export interface RunDemoOptions {
  kafka: Kafka;
  /** print receives each timeline line as it happens. */
  print?: (line: string) => void;
}

const eur = (units: bigint) => create(MoneySchema, { currencyCode: 'EUR', units });

/**
 * runDemo drives a realistic flow through a running mesh (`npm start`), all
 * under one trace id: three users sign up and get a welcome email (a job the
 * job workers send), a client posts a job, two freelancers bid, the client
 * accepts one; the saga coordinator, hearing BidAccepted, runs
 * createContractSaga (contract, escrow, pod, project, notifications), whose
 * transitions are read back from the saga log; the bidders get bid
 * notifications (jobs). Nothing runs in the CLI that the mesh should do.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const traceId = newTraceId();
  const timeline = createDemoTimeline(options.print);
  const jobs = createQueueManager({ kafka: options.kafka });
  const queueEvents = jobs.createQueueEvents();
  try {
    await queueEvents.waitUntilReady();
    return await runWithContext({ traceId }, async () => {
      const tag = Date.now().toString(36);
      const signUp = async (name: string, role: Role) => {
        const { user } = await authClient.createUser({ email: `${name.toLowerCase()}.${tag}@example.com`, displayName: name, roles: [role] });
        timeline.add('auth CreateUser', `${name} (${Role[role]}) → ${user!.userId}`);
        return user!;
      };
      const client = await signUp('Clara', Role.CLIENT);
      const freelancers = [await signUp('Felix', Role.FREELANCER), await signUp('Fiona', Role.FREELANCER)];

      const welcome = await Promise.all(
        [client, ...freelancers].map((user) =>
          jobs.addJob(QueueNames.EMAIL_QUEUE, 'welcome', create(QueueSchemas[QueueNames.EMAIL_QUEUE], { notificationId: `welcome-${user.userId}`, userId: user.userId, to: user.email, templateId: 'welcome', variables: { name: user.displayName } }), { jobId: `welcome-${user.userId}` }),
        ),
      );
      timeline.add('jobs addJob', `${welcome.length} welcome emails on ${QueueNames.EMAIL_QUEUE}`);
      await waitForJobs(queueEvents, welcome.map((job) => job.jobId));
      timeline.add('job-workers', `${welcome.length} welcome emails sent`);

      const { job } = await marketClient.createJob({ clientId: client.userId, title: `Landing page ${tag}`, description: 'A landing page for the demo', budget: { type: BudgetType.FIXED, min: eur(500n), max: eur(1500n) } });
      timeline.add('market CreateJob', `${job!.jobId} by ${client.displayName}`);
      const bids = [];
      for (const [index, freelancer] of freelancers.entries()) {
        const { bid } = await marketClient.submitBid({ jobId: job!.jobId, freelancerId: freelancer.userId, amount: eur(index === 0 ? 1200n : 1400n) });
        timeline.add('market SubmitBid', `${bid!.bidId} by ${freelancer.displayName}`);
        bids.push(bid!);
      }
      const accepted = bids[0]!;
      await marketClient.acceptBid({ bidId: accepted.bidId });
      timeline.add('market AcceptBid', `${accepted.bidId}: BidAccepted on events.bids`);

      const notices = await Promise.all(
        bids.map((bid, index) =>
          jobs.addJob(QueueNames.BID_NOTIFICATIONS, index === 0 ? 'bid-accepted' : 'bid-rejected', create(QueueSchemas[QueueNames.BID_NOTIFICATIONS], { bidId: bid.bidId, jobId: job!.jobId, recipientUserId: bid.freelancerId, kind: index === 0 ? BidNotificationJob_Kind.ACCEPTED : BidNotificationJob_Kind.REJECTED }), { jobId: `bid-${bid.bidId}` }),
        ),
      );

      const sagaId = contractSagaId(accepted.bidId);
      const status = await waitForSaga(options.kafka, sagaId, timeline);
      await waitForJobs(queueEvents, notices.map((notice) => notice.jobId));
      timeline.add('job-workers', `bid notifications sent to ${freelancers.map((f) => f.displayName).join(' and ')}`);
      return { traceId, sagaId, sagaStatus: status, timeline: [...timeline.entries] };
    });
  } finally {
    await queueEvents.close().catch(() => undefined);
    await jobs.close().catch(() => undefined);
    closeMeshClients();
  }
}

async function waitForJobs(queueEvents: { waitFor(jobId: string, options: { timeoutMs: number }): Promise<unknown> }, jobIds: string[]): Promise<void> {
  try {
    await Promise.all(jobIds.map((jobId) => queueEvents.waitFor(jobId, { timeoutMs: DEMO_JOB_TIMEOUT_MS })));
  } catch (error) {
    throw new CliError('COMPONENT_NOT_READY', `the job workers did not finish ${jobIds.join(', ')} (${(error as Error).message}); is the mesh up with its job workers (\`npm start\`)?`, { cause: error });
  }
}

/** waitForSaga polls the saga's partition of the log until it ends, adding each transition to the timeline at its own time. */
async function waitForSaga(kafka: Kafka, sagaId: string, timeline: ReturnType<typeof createDemoTimeline>): Promise<string> {
  const deadline = Date.now() + DEMO_SAGA_TIMEOUT_MS;
  let seen = 0n;
  for (;;) {
    const admin = kafka.admin();
    await admin.connect();
    const count = (await admin.fetchTopicMetadata({ topics: [DEFAULT_SAGA_TOPICS.state] }).finally(() => admin.disconnect())).topics[0]?.partitions.length ?? 0;
    const partitions = [sagaPartition(sagaId, count)];
    // The snapshot first: the history read after it holds every transition up to it, the last ones included.
    const stored = (await readSagaStates({ kafka, topic: DEFAULT_SAGA_TOPICS.state, partitions })).get(sagaId);
    const history = await readSagaHistory({ kafka, topic: DEFAULT_SAGA_TOPICS.history, partitions, sagaId });
    for (const transition of history) {
      if (transition.sequence <= seen) continue;
      seen = transition.sequence;
      const step = transition.stepName ? ` ${transition.stepName}` : '';
      timeline.add(`saga ${SagaTransition_Kind[transition.kind]}`, `${sagaId}${step}${transition.error ? `: ${transition.error}` : ''}`, transition.at ? timestampMs(transition.at) : undefined);
    }
    if (stored && [SagaStatus.COMPLETED, SagaStatus.COMPENSATED, SagaStatus.FAILED].includes(stored.saga.status)) return SagaStatus[stored.saga.status];
    if (Date.now() > deadline) {
      throw new CliError('COMPONENT_NOT_READY', `saga ${sagaId} did not finish within ${DEMO_SAGA_TIMEOUT_MS} ms; is the saga coordinator running (\`npm start\`)? see .cache/mesh/logs/saga-coordinator.log`);
    }
    await new Promise((resolve) => setTimeout(resolve, DEMO_POLL_INTERVAL_MS));
  }
}
