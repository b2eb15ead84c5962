import type { ServiceImpl } from '@connectrpc/connect';
import type { BillingService } from '../../../gen/billing/v1/billing_service_pb.js';
import { systemClock } from '../shared/clock.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import type { BillingContext } from './billing-context.js';
import { BillingStore } from './billing-store.js';
import { createEscrowHandlers } from './escrow-handlers.js';
import { createInvoiceHandlers } from './invoice-handlers.js';
import { createInMemoryPaymentProcessor, type PaymentProcessor } from './payment-processor.js';
import { createPaymentHandlers } from './payment-handlers.js';
import { createReservationHandlers } from './reservation-handlers.js';

/** DEFAULT_RESERVATION_TTL_MS is how long a reservation holds when the request sets no expires_at. */
export const DEFAULT_RESERVATION_TTL_MS = 60 * 60 * 1000;

/** DEFAULT_PAYMENT_TERMS_DAYS is how long an invoice is due after issue when the request sets no due_at. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

/** DEFAULT_TAX_RATE_BASIS_POINTS is the invoice tax rate: none, the reference service does not know tax law. */
export const DEFAULT_TAX_RATE_BASIS_POINTS = 0;

/** BillingServiceDependencies add billing's tunables to the common dependencies. */
export interface BillingServiceDependencies extends ServiceDependencies<BillingStore> {
  /**
   * paymentProcessor charges payment methods.
   * @defaultValue createInMemoryPaymentProcessor()
   */
  paymentProcessor?: PaymentProcessor;
  /** @defaultValue DEFAULT_RESERVATION_TTL_MS */
  reservationTtlMs?: number;
  /** @defaultValue DEFAULT_PAYMENT_TERMS_DAYS */
  paymentTermsDays?: number;
  /** taxRateBasisPoints is the invoice tax rate in 1/100 of a percent (1900 is 19%). @defaultValue DEFAULT_TAX_RATE_BASIS_POINTS */
  taxRateBasisPoints?: number;
}

/**
 * createBillingService implements BillingService over a BillingStore:
 * reservations, escrows, payments and invoices, with money moved exactly
 * once per transition and published on the PAYMENTS channel.
 */
export function createBillingService(deps: BillingServiceDependencies): ServiceImpl<typeof BillingService> {
  const clock = deps.clock ?? systemClock;
  const context: BillingContext = {
    store: deps.store ?? new BillingStore(),
    events: createServicePublisher(deps.events, clock),
    clock,
    paymentProcessor: deps.paymentProcessor ?? createInMemoryPaymentProcessor(),
    reservationTtlMs: deps.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS,
    paymentTermsDays: deps.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS,
    taxRateBasisPoints: deps.taxRateBasisPoints ?? DEFAULT_TAX_RATE_BASIS_POINTS,
  };
  return {
    ...createEscrowHandlers(context),
    ...createReservationHandlers(context),
    ...createPaymentHandlers(context),
    ...createInvoiceHandlers(context),
  };
}
