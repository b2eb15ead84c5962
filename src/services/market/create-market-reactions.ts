import { create } from '@bufbuild/protobuf';
import type { EscrowFunded } from '../../../gen/billing/v1/billing_events_pb.js';
import { ContractSchema, ContractStatus, type Contract } from '../../../gen/market/v1/contract_pb.js';
import { JobSchema, JobStatus } from '../../../gen/market/v1/job_pb.js';
import { nowTimestamp, systemClock, type Clock } from '../shared/clock.js';
import { ErrorReasons, failedPrecondition, mustFind } from '../shared/service-errors.js';
import { MARKET_DOMAIN } from './market-context.js';
import type { MarketStore } from './market-store.js';

/** MarketReactions are the market's state changes that no RPC asks for: they follow other services' events. */
export interface MarketReactions {
  /** activateContract makes a PENDING contract ACTIVE and its job IN_PROGRESS; an ACTIVE contract stays as it is. */
  activateContract(contractId: string): Promise<Contract>;
  /**
   * onEscrowFunded is the handler of billing's EscrowFunded event: the funded
   * contract becomes ACTIVE. A contract already cancelled or completed stays
   * as it is (a late event is not an error to dead-letter); an unknown one is NOT_FOUND.
   */
  onEscrowFunded(event: EscrowFunded): Promise<Contract>;
}

/**
 * createMarketReactions builds the market's event-driven transitions over
 * the same store as its service. market_events.proto has no ContractActivated
 * event, so activation publishes nothing: EscrowFunded already said it.
 */
export function createMarketReactions(deps: { store: MarketStore; clock?: Clock }): MarketReactions {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  function activateContract(contractId: string): Promise<Contract> {
    return store.mutex.runExclusive(() => {
      const contract = mustFind(store.contracts, contractId, MARKET_DOMAIN, 'contract');
      if (contract.status === ContractStatus.ACTIVE) return contract;
      if (contract.status !== ContractStatus.PENDING) {
        throw failedPrecondition(MARKET_DOMAIN, ErrorReasons.INVALID_STATE, `contract ${contractId} is ${ContractStatus[contract.status]}, not PENDING`, {
          contract_id: contractId,
        });
      }
      const now = nowTimestamp(clock);
      const active = create(ContractSchema, { ...contract, status: ContractStatus.ACTIVE, updatedAt: now });
      store.contracts.set(contractId, active);
      const job = store.jobs.get(contract.jobId);
      if (job) store.jobs.set(job.jobId, create(JobSchema, { ...job, status: JobStatus.IN_PROGRESS, updatedAt: now }));
      store.counters.increment('contractsActivated');
      return active;
    });
  }

  async function onEscrowFunded(event: EscrowFunded): Promise<Contract> {
    const contract = mustFind(store.contracts, event.contractId, MARKET_DOMAIN, 'contract');
    if (contract.status === ContractStatus.CANCELLED || contract.status === ContractStatus.COMPLETED) return contract;
    return activateContract(event.contractId);
  }

  return { activateContract, onEscrowFunded };
}
