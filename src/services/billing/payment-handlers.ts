import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { PaymentCompletedSchema, PaymentFailedSchema, PaymentRefundedSchema } from '../../../gen/billing/v1/billing_events_pb.js';
import { PaymentIntentSchema, PaymentStatus, RefundSchema, type PaymentIntent } from '../../../gen/billing/v1/payment_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { addMoney, compareMoney, formatMoney, isPositiveMoney, subtractMoney, zeroMoney } from '../shared/money.js';
import { requireCurrency, requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { ErrorReasons, failedPrecondition, mustFind } from '../shared/service-errors.js';
import { BILLING_DOMAIN, type BillingContext, type BillingHandlers } from './billing-context.js';
import type { PaymentOutcome } from './payment-processor.js';

const AGGREGATE = { aggregateType: 'payment_intent' } as const;

/** PROCESSABLE_PAYMENT_STATUSES are the states ProcessPayment charges from: new, or declined before (a retry with another method). */
export const PROCESSABLE_PAYMENT_STATUSES: readonly PaymentStatus[] = [PaymentStatus.REQUIRES_PAYMENT_METHOD, PaymentStatus.FAILED];

function invalidPaymentState(intent: PaymentIntent, action: string) {
  return failedPrecondition(BILLING_DOMAIN, ErrorReasons.INVALID_STATE, `cannot ${action} payment ${intent.paymentIntentId}: it is ${PaymentStatus[intent.status]}`, {
    payment_intent_id: intent.paymentIntentId,
    status: PaymentStatus[intent.status],
  });
}

/**
 * createPaymentHandlers implements CreatePaymentIntent, ProcessPayment and
 * RefundPayment: intents charged through the PaymentProcessor (a decline is
 * a FAILED intent and a PaymentFailed event, not an RPC error) and refunded
 * in parts up to what was charged.
 */
export function createPaymentHandlers(context: BillingContext): BillingHandlers<'createPaymentIntent' | 'processPayment' | 'refundPayment'> {
  const { store, events, clock } = context;
  const getIntent = (id: string) => mustFind(store.paymentIntents, id, BILLING_DOMAIN, 'payment intent');

  return {
    createPaymentIntent(request) {
      return store.mutex.runExclusive(() => {
        const amount = requireMoney(request.amount, 'amount', { positive: true });
        const now = nowTimestamp(clock);
        const paymentIntent = create(PaymentIntentSchema, {
          paymentIntentId: newId('pi'),
          clientId: request.clientId,
          amount,
          description: request.description,
          contractId: request.contractId,
          status: PaymentStatus.REQUIRES_PAYMENT_METHOD,
          refundedAmount: zeroMoney(amount.currencyCode),
          createdAt: now,
          updatedAt: now,
        });
        store.paymentIntents.set(paymentIntent.paymentIntentId, paymentIntent);
        store.counters.increment('paymentIntentsCreated');
        return { paymentIntent };
      });
    },

    processPayment(request) {
      return store.mutex.runExclusive(async () => {
        const intent = getIntent(request.paymentIntentId);
        if (!PROCESSABLE_PAYMENT_STATUSES.includes(intent.status)) throw invalidPaymentState(intent, 'process');
        let outcome: PaymentOutcome;
        try {
          outcome = await context.paymentProcessor(intent, request.paymentMethodId);
        } catch (cause) {
          // An outage is not a decline: nothing was charged, so the caller may retry.
          throw new ConnectError('the payment processor is unavailable', Code.Unavailable, undefined, undefined, cause);
        }
        const now = nowTimestamp(clock);
        const common = { paymentIntentId: intent.paymentIntentId, clientId: intent.clientId, contractId: intent.contractId, amount: intent.amount };
        let processed: PaymentIntent;
        if (outcome.succeeded) {
          processed = create(PaymentIntentSchema, { ...intent, status: PaymentStatus.SUCCEEDED, paymentMethodId: request.paymentMethodId, failureCode: '', failureReason: '', updatedAt: now });
          await events.publish(EventChannels.PAYMENTS, PaymentCompletedSchema, create(PaymentCompletedSchema, { ...common, completedAt: now }), {
            aggregateId: intent.paymentIntentId,
            ...AGGREGATE,
          });
          store.counters.increment('paymentsSucceeded');
        } else {
          const failure = { failureCode: outcome.failureCode, failureReason: outcome.failureReason };
          processed = create(PaymentIntentSchema, { ...intent, ...failure, status: PaymentStatus.FAILED, paymentMethodId: request.paymentMethodId, updatedAt: now });
          await events.publish(EventChannels.PAYMENTS, PaymentFailedSchema, create(PaymentFailedSchema, { ...common, ...failure, failedAt: now }), {
            aggregateId: intent.paymentIntentId,
            ...AGGREGATE,
          });
          store.counters.increment('paymentsFailed');
        }
        store.paymentIntents.set(intent.paymentIntentId, processed);
        return { paymentIntent: processed };
      });
    },

    refundPayment(request) {
      return store.mutex.runExclusive(async () => {
        const intent = getIntent(request.paymentIntentId);
        if (intent.status !== PaymentStatus.SUCCEEDED && intent.status !== PaymentStatus.PARTIALLY_REFUNDED) throw invalidPaymentState(intent, 'refund');
        const charged = requireMoney(intent.amount, 'payment_intent.amount');
        const refundedSoFar = intent.refundedAmount ?? zeroMoney(charged.currencyCode);
        const remaining = subtractMoney(charged, refundedSoFar);
        let amount = remaining;
        if (request.amount) {
          amount = requireMoney(request.amount, 'amount', { positive: true });
          requireCurrency(amount, charged.currencyCode, 'amount');
        }
        if (compareMoney(amount, remaining) > 0) {
          throw failedPrecondition(BILLING_DOMAIN, ErrorReasons.REFUND_EXCEEDS_PAYMENT, `only ${formatMoney(remaining)} is left to refund`, {
            payment_intent_id: intent.paymentIntentId,
            remaining: formatMoney(remaining),
          });
        }
        const now = nowTimestamp(clock);
        const refund = create(RefundSchema, { refundId: newId('re'), paymentIntentId: intent.paymentIntentId, amount, reason: request.reason, createdAt: now });
        const refundedAmount = addMoney(refundedSoFar, amount);
        const status = isPositiveMoney(subtractMoney(charged, refundedAmount)) ? PaymentStatus.PARTIALLY_REFUNDED : PaymentStatus.REFUNDED;
        const paymentIntent = create(PaymentIntentSchema, { ...intent, status, refundedAmount, updatedAt: now });
        const event = create(PaymentRefundedSchema, {
          paymentIntentId: intent.paymentIntentId,
          refundId: refund.refundId,
          clientId: intent.clientId,
          amount,
          reason: request.reason,
          refundedAt: now,
        });
        await events.publish(EventChannels.PAYMENTS, PaymentRefundedSchema, event, { aggregateId: intent.paymentIntentId, ...AGGREGATE });
        store.refunds.set(refund.refundId, refund);
        store.paymentIntents.set(intent.paymentIntentId, paymentIntent);
        store.counters.increment('paymentRefunds');
        return { refund, paymentIntent };
      });
    },
  };
}
