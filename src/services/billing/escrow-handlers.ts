import { create } from '@bufbuild/protobuf';
import { EscrowFundedSchema, EscrowRefundedSchema, EscrowReleasedSchema } from '../../../gen/billing/v1/billing_events_pb.js';
import { EscrowSchema, EscrowStatus, type Escrow } from '../../../gen/billing/v1/escrow_pb.js';
import { ReservationSchema, ReservationStatus } from '../../../gen/billing/v1/reservation_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { compareMoney, formatMoney, totalNanos } from '../shared/money.js';
import { requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { alreadyExists, ErrorReasons, failedPrecondition, mustFind } from '../shared/service-errors.js';
import { BILLING_DOMAIN, type BillingContext, type BillingHandlers } from './billing-context.js';
import { expireIfDue } from './reservation-handlers.js';

const AGGREGATE = { aggregateType: 'escrow' } as const;

function invalidEscrowState(escrow: Escrow, action: string) {
  return failedPrecondition(BILLING_DOMAIN, ErrorReasons.INVALID_STATE, `cannot ${action} escrow ${escrow.escrowId}: it is ${EscrowStatus[escrow.status]}`, {
    escrow_id: escrow.escrowId,
    status: EscrowStatus[escrow.status],
  });
}

/**
 * createEscrowHandlers implements CreateEscrow, GetEscrow, ReleaseEscrow and
 * RefundEscrow. An escrow is FUNDED from a captured reservation or straight
 * from available funds, then RELEASED to the freelancer or REFUNDED to the
 * client, exactly once; repeating the same end transition succeeds without
 * moving money again.
 */
export function createEscrowHandlers(context: BillingContext): BillingHandlers<'createEscrow' | 'getEscrow' | 'releaseEscrow' | 'refundEscrow'> {
  const { store, events, clock } = context;
  const getEscrow = (escrowId: string) => mustFind(store.escrows, escrowId, BILLING_DOMAIN, 'escrow');

  return {
    createEscrow(request) {
      return store.mutex.runExclusive(async () => {
        const amount = requireMoney(request.amount, 'amount', { positive: true });
        const live = store.liveEscrowOfContract(request.contractId);
        if (live) throw alreadyExists(BILLING_DOMAIN, `contract ${request.contractId} already has escrow ${live.escrowId}`, { escrow_id: live.escrowId });
        const reservation =
          request.reservationId === '' ? undefined : expireIfDue(context, mustFind(store.reservations, request.reservationId, BILLING_DOMAIN, 'reservation'));
        if (reservation) {
          const metadata = { reservation_id: reservation.reservationId };
          if (reservation.status === ReservationStatus.EXPIRED) throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.RESERVATION_EXPIRED, 'the reservation expired', metadata);
          if (reservation.status !== ReservationStatus.HELD) {
            throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.INVALID_STATE, `reservation is ${ReservationStatus[reservation.status]}, not HELD`, metadata);
          }
          const sameAmount = reservation.amount?.currencyCode === amount.currencyCode && compareMoney(reservation.amount, amount) === 0;
          if (reservation.clientId !== request.clientId || !sameAmount) {
            throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.RESERVATION_MISMATCH, 'the reservation is not for this client and amount', metadata);
          }
        } else {
          const available = store.availableFunds(request.clientId, amount.currencyCode);
          if (compareMoney(available, amount) < 0) {
            throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.INSUFFICIENT_FUNDS, `client ${request.clientId} has ${formatMoney(available)} available`, {
              client_id: request.clientId,
              available: formatMoney(available),
              requested: formatMoney(amount),
            });
          }
        }
        const now = nowTimestamp(clock);
        const escrow = create(EscrowSchema, {
          escrowId: newId('esc'),
          contractId: request.contractId,
          clientId: request.clientId,
          freelancerId: request.freelancerId,
          amount,
          status: EscrowStatus.FUNDED,
          reservationId: request.reservationId,
          createdAt: now,
          updatedAt: now,
        });
        const event = create(EscrowFundedSchema, {
          escrowId: escrow.escrowId,
          contractId: escrow.contractId,
          clientId: escrow.clientId,
          freelancerId: escrow.freelancerId,
          amount,
          fundedAt: now,
        });
        await events.publish(EventChannels.PAYMENTS, EscrowFundedSchema, event, { aggregateId: escrow.escrowId, ...AGGREGATE });
        if (reservation) {
          store.reservations.set(reservation.reservationId, create(ReservationSchema, { ...reservation, status: ReservationStatus.CAPTURED }));
          store.counters.increment('reservationsCaptured');
        } else {
          store.moveFunds(request.clientId, amount.currencyCode, -totalNanos(amount));
        }
        store.escrows.set(escrow.escrowId, escrow);
        store.counters.increment('escrowsCreated');
        return { escrow };
      });
    },

    getEscrow(request) {
      return { escrow: getEscrow(request.escrowId) };
    },

    releaseEscrow(request) {
      return store.mutex.runExclusive(async () => {
        const escrow = getEscrow(request.escrowId);
        if (escrow.status === EscrowStatus.RELEASED) return { escrow };
        if (escrow.status !== EscrowStatus.FUNDED) throw invalidEscrowState(escrow, 'release');
        const now = nowTimestamp(clock);
        const released = create(EscrowSchema, { ...escrow, status: EscrowStatus.RELEASED, updatedAt: now });
        const event = create(EscrowReleasedSchema, {
          escrowId: escrow.escrowId,
          contractId: escrow.contractId,
          freelancerId: escrow.freelancerId,
          amount: escrow.amount,
          releasedAt: now,
        });
        await events.publish(EventChannels.PAYMENTS, EscrowReleasedSchema, event, { aggregateId: escrow.escrowId, ...AGGREGATE });
        if (escrow.amount) store.addPayout(escrow.freelancerId, escrow.amount);
        store.escrows.set(escrow.escrowId, released);
        store.counters.increment('escrowsReleased');
        return { escrow: released };
      });
    },

    refundEscrow(request) {
      return store.mutex.runExclusive(async () => {
        const escrow = getEscrow(request.escrowId);
        if (escrow.status === EscrowStatus.REFUNDED) return { escrow };
        if (escrow.status !== EscrowStatus.FUNDED) throw invalidEscrowState(escrow, 'refund');
        const now = nowTimestamp(clock);
        const refunded = create(EscrowSchema, { ...escrow, status: EscrowStatus.REFUNDED, refundReason: request.reason, updatedAt: now });
        const event = create(EscrowRefundedSchema, {
          escrowId: escrow.escrowId,
          contractId: escrow.contractId,
          clientId: escrow.clientId,
          amount: escrow.amount,
          reason: request.reason,
          refundedAt: now,
        });
        await events.publish(EventChannels.PAYMENTS, EscrowRefundedSchema, event, { aggregateId: escrow.escrowId, ...AGGREGATE });
        if (escrow.amount) store.moveFunds(escrow.clientId, escrow.amount.currencyCode, totalNanos(escrow.amount));
        store.escrows.set(escrow.escrowId, refunded);
        store.counters.increment('escrowsRefunded');
        return { escrow: refunded };
      });
    },
  };
}
