import type { ServiceImpl } from '@connectrpc/connect';
import type { MarketService } from '../../../gen/market/v1/market_service_pb.js';
import { systemClock } from '../shared/clock.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import { createBidHandlers } from './bid-handlers.js';
import { createContractHandlers } from './contract-handlers.js';
import { createJobHandlers } from './job-handlers.js';
import type { MarketContext } from './market-context.js';
import { MarketStore } from './market-store.js';

/**
 * createMarketService implements MarketService over a MarketStore: jobs
 * open for bids, one accepted bid per job, and contracts for accepted bids
 * (PENDING until the escrow is funded, see createMarketReactions), each
 * change published on the JOBS, BIDS or CONTRACTS channel.
 */
export function createMarketService(deps: ServiceDependencies<MarketStore>): ServiceImpl<typeof MarketService> {
  const clock = deps.clock ?? systemClock;
  const context: MarketContext = {
    store: deps.store ?? new MarketStore(),
    events: createServicePublisher(deps.events, clock),
    clock,
  };
  return { ...createJobHandlers(context), ...createBidHandlers(context), ...createContractHandlers(context) };
}
