import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Code, type Client } from '@connectrpc/connect';
import {
  EscrowFundedSchema,
  EscrowRefundedSchema,
  EscrowReleasedSchema,
  InvoiceCreatedSchema,
  PaymentCompletedSchema,
  PaymentFailedSchema,
  PaymentRefundedSchema,
} from '../../../gen/billing/v1/billing_events_pb.js';
import { BillingService } from '../../../gen/billing/v1/billing_service_pb.js';
import { EscrowStatus } from '../../../gen/billing/v1/escrow_pb.js';
import { InvoiceStatus } from '../../../gen/billing/v1/invoice_pb.js';
import { PaymentStatus } from '../../../gen/billing/v1/payment_pb.js';
import { ReservationStatus } from '../../../gen/billing/v1/reservation_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { BillingStore } from '../../../src/services/billing/billing-store.js';
import { createBillingService } from '../../../src/services/billing/create-billing-service.js';
import { TEST_PAYMENT_METHODS } from '../../../src/services/billing/payment-processor.js';
import { createInMemoryEventPublisher } from '../../../src/services/shared/in-memory-event-publisher.js';
import { formatMoney, money, totalNanos } from '../../../src/services/shared/money.js';
import { eventTypes, rejectsWith, serveForTest, serveImplementation, type TestService } from '../service-harness.js';

describe('billing service', () => {
  let now = Date.parse('2026-11-23T09:00:00Z');
  let service: TestService<'billing'>;
  let client: Client<typeof BillingService>;
  let seq = 0;
  const eur = (units: bigint, nanos = 0) => money('EUR', units, nanos);
  const available = (clientId: string) => formatMoney(service.store.availableFunds(clientId, 'EUR'));

  before(async () => {
    service = await serveForTest('billing', { clock: () => new Date(now) });
    client = service.client(BillingService);
  });
  after(() => service.close());

  const escrow = (clientId: string, units: bigint, reservationId = '') =>
    client.createEscrow({ contractId: `ctr_${++seq}`, clientId, freelancerId: 'usr_f', amount: eur(units), reservationId }).then((r) => r.escrow!);

  test('ReserveFunds holds available funds; INSUFFICIENT_FUNDS beyond them; ReleaseReservation gives them back once', async () => {
    service.store.setFunds('usr_r', eur(100n));
    const { reservation } = await client.reserveFunds({ clientId: 'usr_r', amount: eur(60n), reference: 'bid_1' });
    assert.equal(reservation?.status, ReservationStatus.HELD);
    assert.equal(available('usr_r'), '40.00 EUR');
    const error = await rejectsWith(client.reserveFunds({ clientId: 'usr_r', amount: eur(40n, 10_000_000), reference: 'bid_2' }), Code.FailedPrecondition, 'INSUFFICIENT_FUNDS');
    assert.match(error.message, /40\.00 EUR/);
    await rejectsWith(client.reserveFunds({ clientId: 'usr_r', amount: eur(1n), reference: 'x', expiresAt: timestampFromMs(now - 1) }), Code.InvalidArgument);
    const released = (await client.releaseReservation({ reservationId: reservation!.reservationId })).reservation!;
    await client.releaseReservation({ reservationId: reservation!.reservationId });
    assert.equal(released.status, ReservationStatus.RELEASED);
    assert.equal(available('usr_r'), '100.00 EUR');
    assert.equal(service.store.counters.get('reservationsReleased'), 1);
    await rejectsWith(client.releaseReservation({ reservationId: 'rsv_missing' }), Code.NotFound);
  });

  test('reservations expire lazily and give their funds back', async () => {
    service.store.setFunds('usr_x', eur(10n));
    const { reservation } = await client.reserveFunds({ clientId: 'usr_x', amount: eur(10n), reference: 'r', expiresAt: timestampFromMs(now + 1000) });
    now += 2000;
    await rejectsWith(escrow('usr_x', 10n, reservation!.reservationId), Code.FailedPrecondition, 'RESERVATION_EXPIRED');
    assert.equal(available('usr_x'), '10.00 EUR');
    assert.equal((await client.releaseReservation({ reservationId: reservation!.reservationId })).reservation?.status, ReservationStatus.EXPIRED);
  });

  test('CreateEscrow captures a matching reservation and returns it FUNDED, publishing EscrowFunded on PAYMENTS', async () => {
    service.store.setFunds('usr_e', eur(500n));
    const { reservation } = await client.reserveFunds({ clientId: 'usr_e', amount: eur(300n), reference: 'bid' });
    await rejectsWith(escrow('usr_e', 299n, reservation!.reservationId), Code.FailedPrecondition, 'RESERVATION_MISMATCH');
    await rejectsWith(escrow('usr_other', 300n, reservation!.reservationId), Code.FailedPrecondition, 'RESERVATION_MISMATCH');
    await rejectsWith(escrow('usr_e', 300n, 'rsv_missing'), Code.NotFound);
    service.events.clear();
    const funded = await escrow('usr_e', 300n, reservation!.reservationId);
    assert.equal(funded.status, EscrowStatus.FUNDED);
    assert.equal(available('usr_e'), '200.00 EUR', 'the held money moved into escrow, not taken twice');
    const [event] = service.events.events;
    assert.deepEqual([event?.channel, event?.aggregateId], [EventChannels.PAYMENTS, funded.escrowId]);
    assert.equal(service.events.ofType(EscrowFundedSchema)[0]?.contractId, funded.contractId);
    await rejectsWith(escrow('usr_e', 300n, reservation!.reservationId), Code.FailedPrecondition, 'INVALID_STATE');
    await rejectsWith(client.releaseReservation({ reservationId: reservation!.reservationId }), Code.FailedPrecondition);
    await rejectsWith(
      client.createEscrow({ contractId: funded.contractId, clientId: 'usr_e', freelancerId: 'usr_f', amount: eur(1n) }),
      Code.AlreadyExists,
    );
    assert.equal((await client.getEscrow({ escrowId: funded.escrowId })).escrow?.reservationId, reservation!.reservationId);
    await rejectsWith(client.getEscrow({ escrowId: 'esc_missing' }), Code.NotFound);
  });

  test('CreateEscrow without a reservation draws on available funds, or fails with INSUFFICIENT_FUNDS', async () => {
    service.store.setFunds('usr_d', eur(50n));
    await rejectsWith(escrow('usr_d', 51n), Code.FailedPrecondition, 'INSUFFICIENT_FUNDS');
    await escrow('usr_d', 50n);
    assert.equal(available('usr_d'), '0.00 EUR');
  });

  test('an escrow is released once and cannot be refunded after release', async () => {
    const funded = await escrow('usr_rel', 120n);
    service.events.clear();
    const before = service.store.counters.get('escrowsReleased');
    const paidBefore = totalNanos(service.store.paidOut('usr_f', 'EUR'));
    const released = (await client.releaseEscrow({ escrowId: funded.escrowId })).escrow!;
    await client.releaseEscrow({ escrowId: funded.escrowId });
    assert.equal(released.status, EscrowStatus.RELEASED);
    assert.equal(service.store.counters.get('escrowsReleased'), before + 1);
    assert.equal(totalNanos(service.store.paidOut('usr_f', 'EUR')) - paidBefore, 120_000_000_000n, 'paid out once');
    assert.deepEqual(eventTypes(service.events), ['EscrowReleased']);
    assert.equal(service.events.ofType(EscrowReleasedSchema)[0]?.amount?.units, 120n);
    await rejectsWith(client.refundEscrow({ escrowId: funded.escrowId, reason: 'too late' }), Code.FailedPrecondition, 'INVALID_STATE');
    await rejectsWith(client.releaseEscrow({ escrowId: 'esc_missing' }), Code.NotFound);
  });

  test('an escrow is refunded once, back to the client, and cannot be released after refund', async () => {
    service.store.setFunds('usr_ref', eur(80n));
    const funded = await escrow('usr_ref', 80n);
    service.events.clear();
    const refunded = (await client.refundEscrow({ escrowId: funded.escrowId, reason: 'contract cancelled' })).escrow!;
    await client.refundEscrow({ escrowId: funded.escrowId, reason: 'contract cancelled' });
    assert.deepEqual([refunded.status, refunded.refundReason], [EscrowStatus.REFUNDED, 'contract cancelled']);
    assert.equal(available('usr_ref'), '80.00 EUR');
    assert.equal(service.events.ofType(EscrowRefundedSchema).length, 1);
    await rejectsWith(client.releaseEscrow({ escrowId: funded.escrowId }), Code.FailedPrecondition);
    // A refunded escrow frees its contract for a new one.
    await client.createEscrow({ contractId: funded.contractId, clientId: 'usr_ref', freelancerId: 'usr_f', amount: eur(80n) });
  });

  test('payments: a decline is a FAILED intent and PaymentFailed; a retry with another method succeeds once', async () => {
    const intent = (await client.createPaymentIntent({ clientId: 'usr_p', amount: eur(100n), contractId: 'ctr_pay' })).paymentIntent!;
    assert.deepEqual([intent.status, intent.refundedAmount?.units], [PaymentStatus.REQUIRES_PAYMENT_METHOD, 0n]);
    service.events.clear();
    const declined = (await client.processPayment({ paymentIntentId: intent.paymentIntentId, paymentMethodId: TEST_PAYMENT_METHODS.CARD_DECLINED })).paymentIntent!;
    assert.deepEqual([declined.status, declined.failureCode], [PaymentStatus.FAILED, 'card_declined']);
    const paid = (await client.processPayment({ paymentIntentId: intent.paymentIntentId, paymentMethodId: 'pm_visa' })).paymentIntent!;
    assert.deepEqual([paid.status, paid.failureCode], [PaymentStatus.SUCCEEDED, '']);
    assert.deepEqual(eventTypes(service.events), ['PaymentFailed', 'PaymentCompleted']);
    assert.equal(service.events.ofType(PaymentFailedSchema)[0]?.failureCode, 'card_declined');
    assert.equal(service.events.ofType(PaymentCompletedSchema)[0]?.contractId, 'ctr_pay');
    await rejectsWith(client.processPayment({ paymentIntentId: intent.paymentIntentId, paymentMethodId: 'pm_visa' }), Code.FailedPrecondition);
    await rejectsWith(client.processPayment({ paymentIntentId: 'pi_missing', paymentMethodId: 'pm_visa' }), Code.NotFound);
  });

  test('RefundPayment: equal partial refunds are both legitimate, never beyond what was charged', async () => {
    const intent = (await client.createPaymentIntent({ clientId: 'usr_p', amount: eur(100n) })).paymentIntent!;
    await rejectsWith(client.refundPayment({ paymentIntentId: intent.paymentIntentId }), Code.FailedPrecondition, 'INVALID_STATE');
    await client.processPayment({ paymentIntentId: intent.paymentIntentId, paymentMethodId: 'pm_visa' });
    service.events.clear();
    const first = await client.refundPayment({ paymentIntentId: intent.paymentIntentId, amount: eur(30n), reason: 'partial' });
    const second = await client.refundPayment({ paymentIntentId: intent.paymentIntentId, amount: eur(30n), reason: 'partial' });
    assert.notEqual(first.refund?.refundId, second.refund?.refundId);
    assert.deepEqual([second.paymentIntent?.status, second.paymentIntent?.refundedAmount?.units], [PaymentStatus.PARTIALLY_REFUNDED, 60n]);
    await rejectsWith(client.refundPayment({ paymentIntentId: intent.paymentIntentId, amount: eur(40n, 1) }), Code.FailedPrecondition, 'REFUND_EXCEEDS_PAYMENT');
    await rejectsWith(client.refundPayment({ paymentIntentId: intent.paymentIntentId, amount: money('USD', 1n) }), Code.InvalidArgument);
    const rest = await client.refundPayment({ paymentIntentId: intent.paymentIntentId });
    assert.deepEqual([rest.refund?.amount?.units, rest.paymentIntent?.status], [40n, PaymentStatus.REFUNDED]);
    assert.equal(service.events.ofType(PaymentRefundedSchema).length, 3);
    await rejectsWith(client.refundPayment({ paymentIntentId: intent.paymentIntentId, amount: eur(1n) }), Code.FailedPrecondition);
  });

  test('CreateInvoice computes line amounts, subtotal, tax and total exactly, and publishes InvoiceCreated', async () => {
    service.events.clear();
    const { invoice } = await client.createInvoice({
      contractId: 'ctr_inv',
      clientId: 'usr_c',
      freelancerId: 'usr_f',
      // 0.335 EUR a minute: 7 minutes are 2.345, rounded half to even to 2.34.
      lineItems: [
        { description: 'minutes', quantity: 7n, unitPrice: eur(0n, 335_000_000) },
        { description: 'setup', quantity: 1n, unitPrice: eur(10n) },
      ],
    });
    assert.deepEqual(invoice?.lineItems.map((item) => formatMoney(item.amount!)), ['2.34 EUR', '10.00 EUR']);
    assert.deepEqual([formatMoney(invoice!.subtotal!), formatMoney(invoice!.tax!), formatMoney(invoice!.total!)], ['12.34 EUR', '0.00 EUR', '12.34 EUR']);
    assert.equal(invoice?.status, InvoiceStatus.ISSUED);
    assert.ok(invoice?.dueAt && invoice.issuedAt && invoice.dueAt.seconds > invoice.issuedAt.seconds);
    assert.equal(service.events.ofType(InvoiceCreatedSchema)[0]?.invoiceId, invoice?.invoiceId);
    const line = (unitPrice = eur(1n), quantity = 1n) => ({ description: 'x', quantity, unitPrice });
    await rejectsWith(client.createInvoice({ contractId: 'c', clientId: 'c', freelancerId: 'f', lineItems: [line(), line(money('USD', 1n))] }), Code.InvalidArgument);
    await rejectsWith(client.createInvoice({ contractId: 'c', clientId: 'c', freelancerId: 'f', lineItems: [line(eur(1n), 0n)] }), Code.InvalidArgument);
    await rejectsWith(client.createInvoice({ contractId: 'c', clientId: 'c', freelancerId: 'f', lineItems: [] }), Code.InvalidArgument);
    await rejectsWith(client.createInvoice({ contractId: 'c', clientId: 'c', freelancerId: 'f', lineItems: [line()], dueAt: timestampFromMs(now - 1) }), Code.InvalidArgument);
  });

  test('tax is rounded once on the subtotal; a processor outage is UNAVAILABLE and charges nothing', async () => {
    const store = new BillingStore();
    const served = await serveImplementation(
      BillingService,
      createBillingService({
        store,
        events: createInMemoryEventPublisher(),
        taxRateBasisPoints: 1900,
        paymentProcessor: () => {
          throw new Error('processor timeout');
        },
      }),
    );
    try {
      const { invoice } = await served.client.createInvoice({
        contractId: 'c',
        clientId: 'c',
        freelancerId: 'f',
        lineItems: [{ description: 'work', quantity: 3n, unitPrice: eur(33n, 330_000_000) }],
      });
      assert.deepEqual([formatMoney(invoice!.subtotal!), formatMoney(invoice!.tax!), formatMoney(invoice!.total!)], ['99.99 EUR', '19.00 EUR', '118.99 EUR']);
      const intent = (await served.client.createPaymentIntent({ clientId: 'c', amount: eur(5n) })).paymentIntent!;
      await rejectsWith(served.client.processPayment({ paymentIntentId: intent.paymentIntentId, paymentMethodId: 'pm_visa' }), Code.Unavailable);
      assert.equal(store.paymentIntents.get(intent.paymentIntentId)?.status, PaymentStatus.REQUIRES_PAYMENT_METHOD);
    } finally {
      await served.close();
    }
  });
});
