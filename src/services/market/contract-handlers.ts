import { create } from '@bufbuild/protobuf';
import { BidStatus } from '../../../gen/market/v1/bid_pb.js';
import { ContractSchema, ContractStatus } from '../../../gen/market/v1/contract_pb.js';
import { JobSchema, JobStatus } from '../../../gen/market/v1/job_pb.js';
import { ContractCancelledSchema, ContractCompletedSchema, ContractCreatedSchema } from '../../../gen/market/v1/market_events_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { newId } from '../shared/new-id.js';
import { alreadyExists, ErrorReasons, failedPrecondition } from '../shared/service-errors.js';
import { findBid, findContract, findJob, invalidState, MARKET_DOMAIN, type MarketContext, type MarketHandlers } from './market-context.js';

/**
 * createContractHandlers implements CreateContract, GetContract,
 * CancelContract and CompleteContract: a PENDING contract per accepted bid
 * of an AWARDED job, cancelled or completed once (repeats succeed).
 */
export function createContractHandlers(context: MarketContext): MarketHandlers<'createContract' | 'getContract' | 'cancelContract' | 'completeContract'> {
  const { store, events, clock } = context;
  return {
    createContract(request) {
      return store.mutex.runExclusive(async () => {
        const job = findJob(store, request.jobId);
        const bid = findBid(store, request.bidId);
        if (bid.jobId !== job.jobId) {
          throw failedPrecondition(MARKET_DOMAIN, ErrorReasons.BID_JOB_MISMATCH, `bid ${bid.bidId} is not for job ${job.jobId}`, { bid_id: bid.bidId, job_id: job.jobId });
        }
        if (bid.status !== BidStatus.ACCEPTED) invalidState('bid', bid.bidId, BidStatus[bid.status], 'ACCEPTED');
        if (job.status !== JobStatus.AWARDED) invalidState('job', job.jobId, JobStatus[job.status], 'AWARDED');
        const existing = store.liveContractOfBid(bid.bidId);
        if (existing) throw alreadyExists(MARKET_DOMAIN, `bid ${bid.bidId} already has contract ${existing.contractId}`, { contract_id: existing.contractId });
        const now = nowTimestamp(clock);
        const contract = create(ContractSchema, {
          contractId: newId('ctr'),
          jobId: job.jobId,
          bidId: bid.bidId,
          clientId: job.clientId,
          freelancerId: bid.freelancerId,
          amount: bid.amount,
          status: ContractStatus.PENDING,
          createdAt: now,
          updatedAt: now,
        });
        const event = create(ContractCreatedSchema, {
          contractId: contract.contractId,
          jobId: job.jobId,
          bidId: bid.bidId,
          clientId: contract.clientId,
          freelancerId: contract.freelancerId,
          amount: contract.amount,
          createdAt: now,
        });
        await events.publish(EventChannels.CONTRACTS, ContractCreatedSchema, event, { aggregateId: contract.contractId, aggregateType: 'contract' });
        store.contracts.set(contract.contractId, contract);
        store.counters.increment('contractsCreated');
        return { contract };
      });
    },

    getContract(request) {
      return { contract: findContract(store, request.contractId) };
    },

    cancelContract(request) {
      return store.mutex.runExclusive(async () => {
        const contract = findContract(store, request.contractId);
        if (contract.status === ContractStatus.CANCELLED) return { contract };
        if (contract.status === ContractStatus.COMPLETED) invalidState('contract', contract.contractId, 'COMPLETED', 'PENDING or ACTIVE');
        const now = nowTimestamp(clock);
        const cancelled = create(ContractSchema, { ...contract, status: ContractStatus.CANCELLED, cancellationReason: request.reason, updatedAt: now });
        const event = create(ContractCancelledSchema, {
          contractId: contract.contractId,
          clientId: contract.clientId,
          freelancerId: contract.freelancerId,
          reason: request.reason,
          cancelledAt: now,
        });
        await events.publish(EventChannels.CONTRACTS, ContractCancelledSchema, event, { aggregateId: contract.contractId, aggregateType: 'contract' });
        store.contracts.set(contract.contractId, cancelled);
        // Cancelling a PENDING contract undoes CreateContract (a saga may create
        // another for the same bid); cancelling work under way ends the job.
        const job = store.jobs.get(contract.jobId);
        if (job && contract.status === ContractStatus.ACTIVE) store.jobs.set(job.jobId, create(JobSchema, { ...job, status: JobStatus.CANCELLED, updatedAt: now }));
        store.counters.increment('contractsCancelled');
        return { contract: cancelled };
      });
    },

    completeContract(request) {
      return store.mutex.runExclusive(async () => {
        const contract = findContract(store, request.contractId);
        if (contract.status === ContractStatus.COMPLETED) return { contract };
        if (contract.status !== ContractStatus.ACTIVE) invalidState('contract', contract.contractId, ContractStatus[contract.status], 'ACTIVE');
        const now = nowTimestamp(clock);
        const completed = create(ContractSchema, { ...contract, status: ContractStatus.COMPLETED, updatedAt: now });
        const event = create(ContractCompletedSchema, {
          contractId: contract.contractId,
          clientId: contract.clientId,
          freelancerId: contract.freelancerId,
          amount: contract.amount,
          completedAt: now,
        });
        await events.publish(EventChannels.CONTRACTS, ContractCompletedSchema, event, { aggregateId: contract.contractId, aggregateType: 'contract' });
        store.contracts.set(contract.contractId, completed);
        const job = store.jobs.get(contract.jobId);
        if (job) store.jobs.set(job.jobId, create(JobSchema, { ...job, status: JobStatus.COMPLETED, updatedAt: now }));
        store.counters.increment('contractsCompleted');
        return { contract: completed };
      });
    },
  };
}
