import type { PaymentIntent } from '../../../gen/billing/v1/payment_pb.js';

/** PaymentOutcome is what a processor answers for one charge. */
export type PaymentOutcome = { succeeded: true } | { succeeded: false; failureCode: string; failureReason: string };

/** PaymentProcessor charges a payment method for an intent; a thrown error is a processor outage, not a decline. */
export type PaymentProcessor = (intent: PaymentIntent, paymentMethodId: string) => Promise<PaymentOutcome> | PaymentOutcome;

/**
 * TEST_PAYMENT_METHODS are the payment method ids the in-memory processor
 * declines, in the manner of card processors' test cards; every other id succeeds.
 */
export const TEST_PAYMENT_METHODS = {
  CARD_DECLINED: 'pm_card_declined',
  INSUFFICIENT_FUNDS: 'pm_insufficient_funds',
} as const;

/** createInMemoryPaymentProcessor returns a processor that declines TEST_PAYMENT_METHODS and accepts the rest. */
export function createInMemoryPaymentProcessor(): PaymentProcessor {
  return (_intent, paymentMethodId) => {
    if (paymentMethodId === TEST_PAYMENT_METHODS.CARD_DECLINED) return { succeeded: false, failureCode: 'card_declined', failureReason: 'The card was declined.' };
    if (paymentMethodId === TEST_PAYMENT_METHODS.INSUFFICIENT_FUNDS) {
      return { succeeded: false, failureCode: 'insufficient_funds', failureReason: 'The card has insufficient funds.' };
    }
    return { succeeded: true };
  };
}
