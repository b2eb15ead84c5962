import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, type Client } from '@connectrpc/connect';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { EscrowFundedSchema, EscrowRefundedSchema, EscrowReleasedSchema, type EscrowFunded, type EscrowRefunded, type EscrowReleased } from '../../gen/billing/v1/billing_events_pb.js';
import { BillingService } from '../../gen/billing/v1/billing_service_pb.js';
import { EscrowStatus } from '../../gen/billing/v1/escrow_pb.js';
import { CockpitService } from '../../gen/cockpit/v1/cockpit_service_pb.js';
import { ProjectStatus } from '../../gen/cockpit/v1/project_pb.js';
import { ContractStatus } from '../../gen/market/v1/contract_pb.js';
import { BudgetType, JobStatus } from '../../gen/market/v1/job_pb.js';
import { MarketService } from '../../gen/market/v1/market_service_pb.js';
import { NotificationService } from '../../gen/notification/v1/notification_service_pb.js';
import { Channel } from '../../gen/notification/v1/preferences_pb.js';
import { PodStatus } from '../../gen/skillpod/v1/pod_pb.js';
import { SkillpodService } from '../../gen/skillpod/v1/skillpod_service_pb.js';
import { createCockpitReactions } from '../../src/services/cockpit/create-cockpit-reactions.js';
import { createMarketReactions } from '../../src/services/market/create-market-reactions.js';
import { createInMemoryEventPublisher } from '../../src/services/shared/in-memory-event-publisher.js';
import { money } from '../../src/services/shared/money.js';
import { DEFAULT_POD_TEMPLATE_ID } from '../../src/services/skillpod/pod-templates.js';
import { rejectsWith, serveForTest, type TestService } from './service-harness.js';

// The six services on their own HTTP/2 servers, sharing one in-process bus
// the way they will share Kafka topics; market and cockpit react to billing's
// escrow events through it.
describe('cross-service flow', () => {
  const bus = createInMemoryEventPublisher();
  const reactions: Promise<unknown>[] = [];
  let services: { [K in 'auth' | 'market' | 'skillpod' | 'cockpit' | 'billing' | 'notification']: TestService<K> };
  let auth: Client<typeof AuthService>;
  let market: Client<typeof MarketService>;
  let skillpod: Client<typeof SkillpodService>;
  let cockpit: Client<typeof CockpitService>;
  let billing: Client<typeof BillingService>;
  let notification: Client<typeof NotificationService>;

  before(async () => {
    const [a, m, s, c, b, n] = await Promise.all([
      serveForTest('auth', { events: bus }),
      serveForTest('market', { events: bus }),
      serveForTest('skillpod', { events: bus }),
      serveForTest('cockpit', { events: bus }),
      serveForTest('billing', { events: bus }),
      serveForTest('notification', { events: bus }),
    ]);
    services = { auth: a, market: m, skillpod: s, cockpit: c, billing: b, notification: n };
    auth = a.client(AuthService);
    market = m.client(MarketService, 'grpc');
    skillpod = s.client(SkillpodService);
    cockpit = c.client(CockpitService, 'grpc');
    billing = b.client(BillingService);
    notification = n.client(NotificationService);
    const marketReactions = createMarketReactions({ store: m.store });
    const cockpitReactions = createCockpitReactions({ store: c.store });
    bus.onPublish((event) => {
      if (event.type === EscrowFundedSchema.typeName) {
        reactions.push(marketReactions.onEscrowFunded(event.payload as EscrowFunded), cockpitReactions.onEscrowFunded(event.payload as EscrowFunded));
      } else if (event.type === EscrowReleasedSchema.typeName) {
        reactions.push(cockpitReactions.onEscrowReleased(event.payload as EscrowReleased));
      } else if (event.type === EscrowRefundedSchema.typeName) {
        reactions.push(cockpitReactions.onEscrowRefunded(event.payload as EscrowRefunded));
      }
    });
  });
  after(() => Promise.all(Object.values(services).map((service) => service.close())));

  const settle = async () => {
    await Promise.all(reactions.splice(0));
    await services.skillpod.store.whenSettled();
  };

  async function signUp(tag: string) {
    const client = (await auth.createUser({ email: `client-${tag}@example.com`, displayName: `Client ${tag}`, roles: [Role.CLIENT] })).user!;
    const freelancer = (await auth.createUser({ email: `dev-${tag}@example.com`, displayName: `Dev ${tag}`, roles: [Role.FREELANCER] })).user!;
    return { client, freelancer };
  }

  /** runs the create-contract flow up to a running pod and an active project */
  async function contractFlow(tag: string) {
    const { client, freelancer } = await signUp(tag);
    assert.equal((await auth.validateUser({ userId: freelancer.userId, requiredRole: Role.FREELANCER })).valid, true);
    assert.equal((await auth.validateUser({ userId: client.userId, requiredRole: Role.FREELANCER })).valid, false);
    const budget = { type: BudgetType.FIXED, min: money('EUR', 500n), max: money('EUR', 1500n) };
    const job = (await market.createJob({ clientId: client.userId, title: `Build ${tag}`, description: 'Work', budget })).job!;
    const bid = (await market.submitBid({ jobId: job.jobId, freelancerId: freelancer.userId, amount: money('EUR', 1200n) })).bid!;
    await market.acceptBid({ bidId: bid.bidId });
    const contract = (await market.createContract({ jobId: job.jobId, bidId: bid.bidId })).contract!;
    const reservation = (await billing.reserveFunds({ clientId: client.userId, amount: contract.amount, reference: contract.contractId })).reservation!;
    const escrow = (
      await billing.createEscrow({
        contractId: contract.contractId,
        clientId: client.userId,
        freelancerId: freelancer.userId,
        amount: contract.amount,
        reservationId: reservation.reservationId,
      })
    ).escrow!;
    const pod = (await skillpod.provisionPod({ contractId: contract.contractId, freelancerId: freelancer.userId, templateId: DEFAULT_POD_TEMPLATE_ID })).pod!;
    const project = (await cockpit.createProject({ contractId: contract.contractId, freelancerId: freelancer.userId, clientId: client.userId, name: job.title })).project!;
    const notified = await notification.notifyUser({ userId: freelancer.userId, title: 'Contract ready', body: `Pod ${pod.podId}`, topic: 'contracts' });
    assert.deepEqual(notified.channels, [Channel.IN_APP]);
    await settle();
    return { client, freelancer, job, contract, escrow, pod, project };
  }

  test('users → job → bid → accepted → contract → escrow → pod → project → notification, then completion', async () => {
    const flow = await contractFlow('happy');
    assert.equal((await market.getContract({ contractId: flow.contract.contractId })).contract?.status, ContractStatus.ACTIVE, 'EscrowFunded activated it');
    assert.equal((await market.getJob({ jobId: flow.job.jobId })).job?.status, JobStatus.IN_PROGRESS);
    assert.equal((await skillpod.getPod({ podId: flow.pod.podId })).pod?.status, PodStatus.RUNNING);
    const session = (await skillpod.startSession({ podId: flow.pod.podId, userId: flow.freelancer.userId })).session!;
    await cockpit.logTime({ projectId: flow.project.projectId, minutes: 240, date: '2026-11-23' });
    await skillpod.endSession({ sessionId: session.sessionId });

    await market.completeContract({ contractId: flow.contract.contractId });
    await billing.releaseEscrow({ escrowId: flow.escrow.escrowId });
    await settle();
    const dashboard = (await cockpit.getDashboard({ freelancerId: flow.freelancer.userId })).dashboard!;
    assert.deepEqual([dashboard.totalMinutes, dashboard.totalEarnings[0]?.units, dashboard.pendingEarnings[0]?.units], [240n, 1200n, 0n]);

    // Compensations no longer apply once the work is done and paid.
    await rejectsWith(market.cancelContract({ contractId: flow.contract.contractId, reason: 'late' }), Code.FailedPrecondition);
    await rejectsWith(billing.refundEscrow({ escrowId: flow.escrow.escrowId, reason: 'late' }), Code.FailedPrecondition);
    // Winding down is still allowed.
    await skillpod.terminatePod({ podId: flow.pod.podId, reason: 'contract completed' });
    await cockpit.archiveProject({ projectId: flow.project.projectId });
  });

  test('compensations undo the flow in reverse, each effect once, and what they undid refuses to go on', async () => {
    const flow = await contractFlow('undo');
    const counters = () => ({
      market: services.market.store.counters.snapshot(),
      billing: services.billing.store.counters.snapshot(),
      skillpod: services.skillpod.store.counters.snapshot(),
      cockpit: services.cockpit.store.counters.snapshot(),
    });
    const before = counters();
    // Each compensation twice: a saga retrying after a timeout must not double anything.
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.equal((await cockpit.archiveProject({ projectId: flow.project.projectId })).project?.status, ProjectStatus.ARCHIVED);
      assert.equal((await skillpod.terminatePod({ podId: flow.pod.podId, reason: 'saga compensation' })).pod?.status, PodStatus.TERMINATED);
      assert.equal((await billing.refundEscrow({ escrowId: flow.escrow.escrowId, reason: 'saga compensation' })).escrow?.status, EscrowStatus.REFUNDED);
      assert.equal((await market.cancelContract({ contractId: flow.contract.contractId, reason: 'saga compensation' })).contract?.status, ContractStatus.CANCELLED);
    }
    await settle();
    const afterwards = counters();
    assert.equal(afterwards.cockpit.projectsArchived - before.cockpit.projectsArchived, 1);
    assert.equal(afterwards.skillpod.podsTerminated - before.skillpod.podsTerminated, 1);
    assert.equal(afterwards.billing.escrowsRefunded - before.billing.escrowsRefunded, 1);
    assert.equal(afterwards.market.contractsCancelled - before.market.contractsCancelled, 1);
    assert.equal(services.billing.store.availableFunds(flow.client.userId, 'EUR').units, 1_000_000n, "the client's money is back");
    assert.equal(bus.ofType(EscrowRefundedSchema).filter((event) => event.escrowId === flow.escrow.escrowId).length, 1);

    await rejectsWith(cockpit.logTime({ projectId: flow.project.projectId, minutes: 30, date: '2026-11-23' }), Code.FailedPrecondition);
    await rejectsWith(skillpod.startSession({ podId: flow.pod.podId, userId: flow.freelancer.userId }), Code.FailedPrecondition);
    await rejectsWith(billing.releaseEscrow({ escrowId: flow.escrow.escrowId }), Code.FailedPrecondition);
    await rejectsWith(market.completeContract({ contractId: flow.contract.contractId }), Code.FailedPrecondition);
    await rejectsWith(market.submitBid({ jobId: flow.job.jobId, freelancerId: 'usr_latecomer', amount: money('EUR', 1n) }), Code.FailedPrecondition, 'INVALID_STATE');
    const cancelled = await notification.notifyUser({ userId: flow.client.userId, title: 'Contract cancelled', body: 'Your money was refunded', topic: 'contracts' });
    assert.deepEqual(cancelled.channels, [Channel.IN_APP]);
  });
});
