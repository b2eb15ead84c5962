import type { ServiceImpl } from '@connectrpc/connect';
import type { Bid } from '../../../gen/market/v1/bid_pb.js';
import type { Contract } from '../../../gen/market/v1/contract_pb.js';
import type { Job } from '../../../gen/market/v1/job_pb.js';
import type { MarketService } from '../../../gen/market/v1/market_service_pb.js';
import type { EventPublisher } from '../../events/event-publisher.js';
import type { Clock } from '../shared/clock.js';
import { ErrorReasons, failedPrecondition, mustFind } from '../shared/service-errors.js';
import type { MarketStore } from './market-store.js';

/** MARKET_DOMAIN is the ErrorInfo domain of the market service's errors. */
export const MARKET_DOMAIN = 'market';

/** MarketContext is what every group of market handlers works with. */
export interface MarketContext {
  store: MarketStore;
  events: EventPublisher;
  clock: Clock;
}

/** MarketHandlers is a part of the MarketService implementation. */
export type MarketHandlers<K extends keyof ServiceImpl<typeof MarketService>> = Pick<ServiceImpl<typeof MarketService>, K>;

/** findJob returns a job or fails with NOT_FOUND. */
export const findJob = (store: MarketStore, jobId: string): Job => mustFind(store.jobs, jobId, MARKET_DOMAIN, 'job');

/** findBid returns a bid or fails with NOT_FOUND. */
export const findBid = (store: MarketStore, bidId: string): Bid => mustFind(store.bids, bidId, MARKET_DOMAIN, 'bid');

/** findContract returns a contract or fails with NOT_FOUND. */
export const findContract = (store: MarketStore, contractId: string): Contract => mustFind(store.contracts, contractId, MARKET_DOMAIN, 'contract');

/** invalidState fails with FAILED_PRECONDITION (INVALID_STATE): a resource is not in the state a transition needs. */
export function invalidState(resource: string, id: string, state: string, wanted: string): never {
  throw failedPrecondition(MARKET_DOMAIN, ErrorReasons.INVALID_STATE, `${resource} ${id} is ${state}, not ${wanted}`, { [`${resource}_id`]: id, status: state });
}
