export { BILLING_EFFECTS, BillingStore, DEFAULT_CLIENT_FUNDS_UNITS, type BillingEffect, type BillingStoreOptions } from './billing-store.js';
export { BILLING_DOMAIN } from './billing-context.js';
export {
  DEFAULT_PAYMENT_TERMS_DAYS,
  DEFAULT_RESERVATION_TTL_MS,
  DEFAULT_TAX_RATE_BASIS_POINTS,
  createBillingService,
  type BillingServiceDependencies,
} from './create-billing-service.js';
export { TEST_PAYMENT_METHODS, createInMemoryPaymentProcessor, type PaymentOutcome, type PaymentProcessor } from './payment-processor.js';
export { PROCESSABLE_PAYMENT_STATUSES } from './payment-handlers.js';
