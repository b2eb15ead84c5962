import { create } from '@bufbuild/protobuf';
import { BidSchema, BidStatus } from '../../../gen/market/v1/bid_pb.js';
import { JobSchema, JobStatus } from '../../../gen/market/v1/job_pb.js';
import { BidAcceptedSchema, BidSubmittedSchema } from '../../../gen/market/v1/market_events_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { requireCurrency, requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { alreadyExists, ErrorReasons, failedPrecondition } from '../shared/service-errors.js';
import { findBid, findJob, invalidState, MARKET_DOMAIN, type MarketContext, type MarketHandlers } from './market-context.js';

/**
 * createBidHandlers implements SubmitBid, GetBid and AcceptBid: bids on OPEN
 * jobs only, never by the job's client, one pending bid per freelancer and
 * job, in the budget's currency; accepting one rejects the rest and awards the job.
 */
export function createBidHandlers(context: MarketContext): MarketHandlers<'submitBid' | 'getBid' | 'acceptBid'> {
  const { store, events, clock } = context;
  return {
    submitBid(request) {
      return store.mutex.runExclusive(async () => {
        const job = findJob(store, request.jobId);
        const amount = requireMoney(request.amount, 'amount', { positive: true });
        if (job.status !== JobStatus.OPEN) invalidState('job', job.jobId, JobStatus[job.status], 'OPEN');
        if (request.freelancerId === job.clientId) {
          throw failedPrecondition(MARKET_DOMAIN, ErrorReasons.BID_ON_OWN_JOB, 'a client cannot bid on their own job', { job_id: job.jobId });
        }
        requireCurrency(amount, job.budget?.min?.currencyCode ?? amount.currencyCode, 'amount');
        const pending = store.bidsOfJob(job.jobId).find((bid) => bid.freelancerId === request.freelancerId && bid.status === BidStatus.PENDING);
        if (pending) throw alreadyExists(MARKET_DOMAIN, `freelancer already has pending bid ${pending.bidId} on job ${job.jobId}`, { bid_id: pending.bidId });
        const now = nowTimestamp(clock);
        const bid = create(BidSchema, {
          bidId: newId('bid'),
          jobId: job.jobId,
          freelancerId: request.freelancerId,
          amount,
          coverLetter: request.coverLetter,
          estimatedDuration: request.estimatedDuration,
          status: BidStatus.PENDING,
          createdAt: now,
          updatedAt: now,
        });
        const event = create(BidSubmittedSchema, { bidId: bid.bidId, jobId: job.jobId, freelancerId: bid.freelancerId, amount, submittedAt: now });
        await events.publish(EventChannels.BIDS, BidSubmittedSchema, event, { aggregateId: bid.bidId, aggregateType: 'bid' });
        store.bids.set(bid.bidId, bid);
        store.counters.increment('bidsSubmitted');
        return { bid };
      });
    },

    getBid(request) {
      return { bid: findBid(store, request.bidId) };
    },

    acceptBid(request) {
      return store.mutex.runExclusive(async () => {
        const bid = findBid(store, request.bidId);
        // Accepting the accepted bid again is a retry, not a second award.
        if (bid.status === BidStatus.ACCEPTED) return { bid };
        if (bid.status !== BidStatus.PENDING) invalidState('bid', bid.bidId, BidStatus[bid.status], 'PENDING');
        const job = findJob(store, bid.jobId);
        if (job.status !== JobStatus.OPEN) invalidState('job', job.jobId, JobStatus[job.status], 'OPEN');
        const now = nowTimestamp(clock);
        const accepted = create(BidSchema, { ...bid, status: BidStatus.ACCEPTED, updatedAt: now });
        const event = create(BidAcceptedSchema, {
          bidId: bid.bidId,
          jobId: job.jobId,
          clientId: job.clientId,
          freelancerId: bid.freelancerId,
          amount: bid.amount,
          acceptedAt: now,
        });
        await events.publish(EventChannels.BIDS, BidAcceptedSchema, event, { aggregateId: bid.bidId, aggregateType: 'bid' });
        store.bids.set(bid.bidId, accepted);
        for (const other of store.bidsOfJob(job.jobId)) {
          if (other.bidId === bid.bidId || other.status !== BidStatus.PENDING) continue;
          store.bids.set(other.bidId, create(BidSchema, { ...other, status: BidStatus.REJECTED, updatedAt: now }));
          store.counters.increment('bidsRejected');
        }
        store.jobs.set(job.jobId, create(JobSchema, { ...job, status: JobStatus.AWARDED, updatedAt: now }));
        store.counters.increment('bidsAccepted');
        return { bid: accepted };
      });
    },
  };
}
