import type { EscrowFunded, EscrowRefunded, EscrowReleased } from '../../../gen/billing/v1/billing_events_pb.js';
import type { Money } from '../../../gen/mesh/v1/money_pb.js';
import { totalNanos } from '../shared/money.js';
import type { CockpitStore, ContractFunds } from './cockpit-store.js';

/** CockpitReactions project billing's escrow events into the dashboard's earnings; each event applies once. */
export interface CockpitReactions {
  onEscrowFunded(event: EscrowFunded): Promise<void>;
  onEscrowReleased(event: EscrowReleased): Promise<void>;
  onEscrowRefunded(event: EscrowRefunded): Promise<void>;
}

/**
 * createCockpitReactions builds the handlers that keep CockpitStore.funds
 * up to date from the PAYMENTS channel. An escrow moves funded → released or
 * funded → refunded once, so "<escrow>:<transition>" identifies a redelivery.
 */
export function createCockpitReactions(deps: { store: CockpitStore }): CockpitReactions {
  const { store } = deps;

  function apply(escrowId: string, transition: string, contractId: string, amount: Money | undefined, change: (funds: ContractFunds, nanos: bigint) => void) {
    return store.mutex.runExclusive(() => {
      const key = `${escrowId}:${transition}`;
      if (amount === undefined || store.appliedEscrowEvents.has(key)) return;
      const funds = store.funds.get(contractId) ?? { currencyCode: amount.currencyCode, pendingNanos: 0n, releasedNanos: 0n };
      // One contract, one currency: an amount in another one is not ours to add up.
      if (funds.currencyCode !== amount.currencyCode) return;
      const next = { ...funds };
      change(next, totalNanos(amount));
      store.funds.set(contractId, next);
      store.appliedEscrowEvents.add(key);
      store.counters.increment('escrowEventsApplied');
    });
  }

  return {
    onEscrowFunded: (event) => apply(event.escrowId, 'funded', event.contractId, event.amount, (funds, nanos) => void (funds.pendingNanos += nanos)),
    onEscrowReleased: (event) =>
      apply(event.escrowId, 'released', event.contractId, event.amount, (funds, nanos) => {
        funds.pendingNanos -= nanos;
        funds.releasedNanos += nanos;
      }),
    onEscrowRefunded: (event) => apply(event.escrowId, 'refunded', event.contractId, event.amount, (funds, nanos) => void (funds.pendingNanos -= nanos)),
  };
}
