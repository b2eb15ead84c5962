import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ReservationSchema, ReservationStatus, type Reservation } from '../../../gen/billing/v1/reservation_pb.js';
import { nowTimestamp } from '../shared/clock.js';
import { compareMoney, formatMoney, totalNanos } from '../shared/money.js';
import { requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { ErrorReasons, failedPrecondition, invalidArgument, mustFind } from '../shared/service-errors.js';
import { BILLING_DOMAIN, type BillingContext, type BillingHandlers } from './billing-context.js';

/**
 * expireIfDue turns a HELD reservation past its expiry into EXPIRED and
 * gives its funds back; holds expire lazily, when next touched.
 */
export function expireIfDue(context: BillingContext, reservation: Reservation): Reservation {
  if (reservation.status !== ReservationStatus.HELD || !reservation.expiresAt) return reservation;
  if (timestampDate(reservation.expiresAt).getTime() > context.clock().getTime()) return reservation;
  const expired = create(ReservationSchema, { ...reservation, status: ReservationStatus.EXPIRED });
  context.store.reservations.set(reservation.reservationId, expired);
  if (reservation.amount) context.store.moveFunds(reservation.clientId, reservation.amount.currencyCode, totalNanos(reservation.amount));
  context.store.counters.increment('reservationsExpired');
  return expired;
}

/**
 * createReservationHandlers implements ReserveFunds and ReleaseReservation:
 * holds on a client's available funds. billing_events.proto has no
 * reservation events, so these publish nothing.
 */
export function createReservationHandlers(context: BillingContext): BillingHandlers<'reserveFunds' | 'releaseReservation'> {
  const { store, clock } = context;
  return {
    reserveFunds(request) {
      return store.mutex.runExclusive(() => {
        const amount = requireMoney(request.amount, 'amount', { positive: true });
        const nowMs = clock().getTime();
        const expiresAt = request.expiresAt ?? timestampFromMs(nowMs + context.reservationTtlMs);
        if (timestampDate(expiresAt).getTime() <= nowMs) throw invalidArgument('expires_at', 'future', 'must be in the future');
        for (const held of store.reservations.values()) if (held.clientId === request.clientId) expireIfDue(context, held);
        const available = store.availableFunds(request.clientId, amount.currencyCode);
        if (compareMoney(available, amount) < 0) {
          throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.INSUFFICIENT_FUNDS, `client ${request.clientId} has ${formatMoney(available)} available`, {
            client_id: request.clientId,
            available: formatMoney(available),
            requested: formatMoney(amount),
          });
        }
        const reservation = create(ReservationSchema, {
          reservationId: newId('rsv'),
          clientId: request.clientId,
          amount,
          reference: request.reference,
          status: ReservationStatus.HELD,
          expiresAt,
          createdAt: nowTimestamp(clock),
        });
        store.moveFunds(request.clientId, amount.currencyCode, -totalNanos(amount));
        store.reservations.set(reservation.reservationId, reservation);
        store.counters.increment('reservationsHeld');
        return { reservation };
      });
    },

    releaseReservation(request) {
      return store.mutex.runExclusive(() => {
        const reservation = expireIfDue(context, mustFind(store.reservations, request.reservationId, BILLING_DOMAIN, 'reservation'));
        // Released or expired: either way there is no hold left, which is what the caller wants.
        if (reservation.status === ReservationStatus.RELEASED || reservation.status === ReservationStatus.EXPIRED) return { reservation };
        if (reservation.status !== ReservationStatus.HELD) {
          throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.INVALID_STATE, `reservation ${reservation.reservationId} is ${ReservationStatus[reservation.status]}`, {
            reservation_id: reservation.reservationId,
          });
        }
        const released = create(ReservationSchema, { ...reservation, status: ReservationStatus.RELEASED });
        if (reservation.amount) store.moveFunds(reservation.clientId, reservation.amount.currencyCode, totalNanos(reservation.amount));
        store.reservations.set(reservation.reservationId, released);
        store.counters.increment('reservationsReleased');
        return { reservation: released };
      });
    },
  };
}
