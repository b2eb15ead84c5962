import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, type Client } from '@connectrpc/connect';
import { EscrowFundedSchema } from '../../../gen/billing/v1/billing_events_pb.js';
import { BidStatus } from '../../../gen/market/v1/bid_pb.js';
import { ContractStatus } from '../../../gen/market/v1/contract_pb.js';
import { BudgetType, JobStatus } from '../../../gen/market/v1/job_pb.js';
import {
  BidAcceptedSchema,
  BidSubmittedSchema,
  ContractCancelledSchema,
  ContractCompletedSchema,
  ContractCreatedSchema,
  JobPostedSchema,
} from '../../../gen/market/v1/market_events_pb.js';
import { MarketService } from '../../../gen/market/v1/market_service_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { createMarketReactions } from '../../../src/services/market/create-market-reactions.js';
import { money } from '../../../src/services/shared/money.js';
import { eventTypes, rejectsWith, serveForTest, type TestService } from '../service-harness.js';

const budget = (min = 100n, max = 500n, currency = 'EUR') => ({ type: BudgetType.FIXED, min: money(currency, min), max: money(currency, max) });

describe('market service', () => {
  let service: TestService<'market'>;
  let client: Client<typeof MarketService>;

  before(async () => {
    service = await serveForTest('market');
    client = service.client(MarketService);
  });
  after(() => service.close());

  const postJob = (clientId = 'usr_client', title = 'Build a website') =>
    client.createJob({ clientId, title, description: 'A small site', budget: budget(), skills: ['ts', 'ts', 'css'] }).then((r) => r.job!);
  const bid = (jobId: string, freelancerId: string, units = 300n) =>
    client.submitBid({ jobId, freelancerId, amount: money('EUR', units), coverLetter: 'hire me' }).then((r) => r.bid!);

  test('CreateJob posts an OPEN job on JOBS; a budget with min > max or mixed currencies is INVALID_ARGUMENT', async () => {
    service.events.clear();
    const job = await postJob();
    assert.equal(job.status, JobStatus.OPEN);
    assert.deepEqual(job.skills, ['ts', 'css']);
    const [event] = service.events.events;
    assert.deepEqual([event?.channel, event?.aggregateId, event?.type], [EventChannels.JOBS, job.jobId, JobPostedSchema.typeName]);
    assert.equal(service.events.ofType(JobPostedSchema)[0]?.title, 'Build a website');
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.title, 'Build a website');
    await rejectsWith(client.getJob({ jobId: 'job_missing' }), Code.NotFound);
    await rejectsWith(client.createJob({ clientId: 'c', title: 'Valid title', description: 'd', budget: budget(600n, 500n) }), Code.InvalidArgument);
    await rejectsWith(
      client.createJob({ clientId: 'c', title: 'Valid title', description: 'd', budget: { type: BudgetType.FIXED, min: money('EUR', 1n), max: money('USD', 2n) } }),
      Code.InvalidArgument,
    );
    await rejectsWith(client.createJob({ clientId: 'c', title: 'Valid title', description: 'd', budget: { ...budget(), type: BudgetType.UNSPECIFIED } }), Code.InvalidArgument);
    await rejectsWith(client.createJob({ clientId: 'c', title: 'Valid title', description: 'd' }), Code.InvalidArgument);
  });

  test('ListJobs pages newest first with filters; a token is bound to its filters', async () => {
    const ownerId = 'usr_lister';
    const posted = [];
    for (let index = 0; index < 5; index++) posted.push(await postJob(ownerId, `Job number ${index}`));
    const first = await client.listJobs({ clientId: ownerId, pageSize: 2 });
    assert.deepEqual(first.jobs.map((job) => job.title), ['Job number 4', 'Job number 3']);
    const second = await client.listJobs({ clientId: ownerId, pageSize: 2, pageToken: first.nextPageToken });
    const third = await client.listJobs({ clientId: ownerId, pageSize: 2, pageToken: second.nextPageToken });
    assert.deepEqual([...second.jobs, ...third.jobs].map((job) => job.title), ['Job number 2', 'Job number 1', 'Job number 0']);
    assert.equal(third.nextPageToken, '');
    await rejectsWith(client.listJobs({ clientId: 'usr_other', pageSize: 2, pageToken: first.nextPageToken }), Code.InvalidArgument);
    await rejectsWith(client.listJobs({ pageToken: 'garbage!' }), Code.InvalidArgument);
    const open = await client.listJobs({ clientId: ownerId, status: JobStatus.AWARDED });
    assert.equal(open.jobs.length, 0);
    assert.equal((await client.listJobs({ clientId: ownerId, status: JobStatus.OPEN })).jobs.length, 5);
  });

  test('SubmitBid: on OPEN jobs only, never on your own job, one pending bid per freelancer, in the budget currency', async () => {
    service.events.clear();
    const job = await postJob('usr_owner');
    const submitted = await bid(job.jobId, 'usr_f1');
    assert.equal(submitted.status, BidStatus.PENDING);
    assert.deepEqual(service.events.ofType(BidSubmittedSchema).map((e) => [e.bidId, e.jobId]), [[submitted.bidId, job.jobId]]);
    assert.equal(service.events.events.at(-1)?.channel, EventChannels.BIDS);
    assert.equal(service.events.events.at(-1)?.aggregateId, submitted.bidId);
    assert.equal((await client.getBid({ bidId: submitted.bidId })).bid?.freelancerId, 'usr_f1');
    await rejectsWith(bid(job.jobId, 'usr_owner'), Code.FailedPrecondition, 'BID_ON_OWN_JOB');
    await rejectsWith(bid(job.jobId, 'usr_f1'), Code.AlreadyExists);
    await rejectsWith(bid('job_missing', 'usr_f1'), Code.NotFound);
    await rejectsWith(client.submitBid({ jobId: job.jobId, freelancerId: 'usr_f2', amount: money('USD', 1n) }), Code.InvalidArgument);
    await rejectsWith(client.submitBid({ jobId: job.jobId, freelancerId: 'usr_f2', amount: money('EUR', 0n) }), Code.InvalidArgument);
    await rejectsWith(client.getBid({ bidId: 'bid_missing' }), Code.NotFound);
    await client.acceptBid({ bidId: submitted.bidId });
    await rejectsWith(bid(job.jobId, 'usr_f3'), Code.FailedPrecondition, 'INVALID_STATE');
  });

  test('AcceptBid accepts one bid, rejects the others, awards the job; accepting again is a no-op', async () => {
    const job = await postJob('usr_owner2');
    const winner = await bid(job.jobId, 'usr_w');
    const loser = await bid(job.jobId, 'usr_l');
    service.events.clear();
    const counters = service.store.counters.snapshot();
    const { bid: accepted } = await client.acceptBid({ bidId: winner.bidId });
    assert.equal(accepted?.status, BidStatus.ACCEPTED);
    assert.equal((await client.getBid({ bidId: loser.bidId })).bid?.status, BidStatus.REJECTED);
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.status, JobStatus.AWARDED);
    await client.acceptBid({ bidId: winner.bidId });
    const events = service.events.ofType(BidAcceptedSchema);
    assert.equal(events.length, 1);
    assert.deepEqual([events[0]?.clientId, events[0]?.freelancerId, events[0]?.amount?.units], ['usr_owner2', 'usr_w', 300n]);
    assert.equal(service.store.counters.get('bidsAccepted'), counters.bidsAccepted + 1);
    assert.equal(service.store.counters.get('bidsRejected'), counters.bidsRejected + 1);
    await rejectsWith(client.acceptBid({ bidId: loser.bidId }), Code.FailedPrecondition);
    await rejectsWith(client.acceptBid({ bidId: 'bid_missing' }), Code.NotFound);
  });

  test('CreateContract needs a known job and an accepted bid of that job; one live contract per bid', async () => {
    const job = await postJob('usr_c');
    const pending = await bid(job.jobId, 'usr_p');
    const winner = await bid(job.jobId, 'usr_x');
    const otherJob = await postJob('usr_c');
    const foreign = await bid(otherJob.jobId, 'usr_y');
    await rejectsWith(client.createContract({ jobId: job.jobId, bidId: winner.bidId }), Code.FailedPrecondition, 'INVALID_STATE');
    await client.acceptBid({ bidId: winner.bidId });
    await rejectsWith(client.createContract({ jobId: 'job_missing', bidId: winner.bidId }), Code.NotFound);
    await rejectsWith(client.createContract({ jobId: job.jobId, bidId: 'bid_missing' }), Code.NotFound);
    await rejectsWith(client.createContract({ jobId: job.jobId, bidId: foreign.bidId }), Code.FailedPrecondition, 'BID_JOB_MISMATCH');
    await rejectsWith(client.createContract({ jobId: job.jobId, bidId: pending.bidId }), Code.FailedPrecondition, 'INVALID_STATE');
    service.events.clear();
    const { contract } = await client.createContract({ jobId: job.jobId, bidId: winner.bidId });
    assert.deepEqual([contract?.status, contract?.clientId, contract?.freelancerId, contract?.amount?.units], [ContractStatus.PENDING, 'usr_c', 'usr_x', 300n]);
    assert.deepEqual(eventTypes(service.events), ['ContractCreated']);
    assert.deepEqual([service.events.events[0]?.channel, service.events.events[0]?.aggregateId], [EventChannels.CONTRACTS, contract?.contractId]);
    assert.equal(service.events.ofType(ContractCreatedSchema)[0]?.bidId, winner.bidId);
    await rejectsWith(client.createContract({ jobId: job.jobId, bidId: winner.bidId }), Code.AlreadyExists);
    assert.equal((await client.getContract({ contractId: contract!.contractId })).contract?.jobId, job.jobId);
    await rejectsWith(client.getContract({ contractId: 'ctr_missing' }), Code.NotFound);
  });

  test('contract lifecycle: cancel (idempotent, compensates CreateContract), activate on EscrowFunded, complete once', async () => {
    const reactions = createMarketReactions({ store: service.store });
    const job = await postJob('usr_life');
    const chosen = await bid(job.jobId, 'usr_free');
    await client.acceptBid({ bidId: chosen.bidId });
    const first = (await client.createContract({ jobId: job.jobId, bidId: chosen.bidId })).contract!;
    await rejectsWith(client.completeContract({ contractId: first.contractId }), Code.FailedPrecondition);
    service.events.clear();
    const cancelled = (await client.cancelContract({ contractId: first.contractId, reason: 'escrow failed' })).contract!;
    await client.cancelContract({ contractId: first.contractId, reason: 'escrow failed' });
    assert.deepEqual([cancelled.status, cancelled.cancellationReason], [ContractStatus.CANCELLED, 'escrow failed']);
    assert.deepEqual(service.events.ofType(ContractCancelledSchema).map((e) => e.reason), ['escrow failed']);
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.status, JobStatus.AWARDED, 'a compensated contract leaves the award');

    const second = (await client.createContract({ jobId: job.jobId, bidId: chosen.bidId })).contract!;
    await reactions.onEscrowFunded(create(EscrowFundedSchema, { contractId: second.contractId }));
    await reactions.activateContract(second.contractId);
    assert.equal((await client.getContract({ contractId: second.contractId })).contract?.status, ContractStatus.ACTIVE);
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.status, JobStatus.IN_PROGRESS);
    assert.equal(service.store.counters.get('contractsActivated') >= 1, true);
    await assert.rejects(reactions.activateContract(first.contractId), /CANCELLED/);
    const late = await reactions.onEscrowFunded(create(EscrowFundedSchema, { contractId: first.contractId }));
    assert.equal(late.status, ContractStatus.CANCELLED, 'a late EscrowFunded leaves a cancelled contract alone');
    await assert.rejects(reactions.onEscrowFunded(create(EscrowFundedSchema, { contractId: 'ctr_missing' })), /not found/);

    service.events.clear();
    const completed = (await client.completeContract({ contractId: second.contractId })).contract!;
    await client.completeContract({ contractId: second.contractId });
    assert.equal(completed.status, ContractStatus.COMPLETED);
    assert.equal(service.events.ofType(ContractCompletedSchema).length, 1);
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.status, JobStatus.COMPLETED);
    await rejectsWith(client.cancelContract({ contractId: second.contractId, reason: 'too late' }), Code.FailedPrecondition);
    await rejectsWith(client.cancelContract({ contractId: 'ctr_missing', reason: 'x' }), Code.NotFound);
  });

  test('cancelling an ACTIVE contract cancels its job', async () => {
    const job = await postJob('usr_act');
    const chosen = await bid(job.jobId, 'usr_fa');
    await client.acceptBid({ bidId: chosen.bidId });
    const contract = (await client.createContract({ jobId: job.jobId, bidId: chosen.bidId })).contract!;
    await createMarketReactions({ store: service.store }).activateContract(contract.contractId);
    await client.cancelContract({ contractId: contract.contractId, reason: 'client left' });
    assert.equal((await client.getJob({ jobId: job.jobId })).job?.status, JobStatus.CANCELLED);
  });
});
