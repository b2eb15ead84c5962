import type { Bid } from '../../../gen/market/v1/bid_pb.js';
import { ContractStatus, type Contract } from '../../../gen/market/v1/contract_pb.js';
import type { Job } from '../../../gen/market/v1/job_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { Mutex } from '../shared/mutex.js';

/** MARKET_EFFECTS names the market store's effect counters. */
export const MARKET_EFFECTS = [
  'jobsPosted',
  'bidsSubmitted',
  'bidsAccepted',
  'bidsRejected',
  'contractsCreated',
  'contractsActivated',
  'contractsCancelled',
  'contractsCompleted',
] as const;

/** MarketEffect is one of MARKET_EFFECTS. */
export type MarketEffect = (typeof MARKET_EFFECTS)[number];

/** MarketStore keeps jobs, bids and contracts in memory, in insertion order; records are replaced, never mutated. */
export class MarketStore {
  readonly jobs = new Map<string, Job>();
  readonly bids = new Map<string, Bid>();
  readonly contracts = new Map<string, Contract>();
  readonly counters = new EffectCounters<MarketEffect>(MARKET_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();

  /** bidsOfJob returns a job's bids, oldest first. */
  bidsOfJob(jobId: string): Bid[] {
    return [...this.bids.values()].filter((bid) => bid.jobId === jobId);
  }

  /** liveContractOfBid returns the bid's contract unless it was cancelled. */
  liveContractOfBid(bidId: string): Contract | undefined {
    return [...this.contracts.values()].find((contract) => contract.bidId === bidId && contract.status !== ContractStatus.CANCELLED);
  }

  /** newestJobsFirst returns every job, newest first. */
  newestJobsFirst(): Job[] {
    return [...this.jobs.values()].reverse();
  }
}
