import type { ServiceImpl } from '@connectrpc/connect';
import type { BillingService } from '../../../gen/billing/v1/billing_service_pb.js';
import type { EventPublisher } from '../../events/event-publisher.js';
import type { Clock } from '../shared/clock.js';
import type { BillingStore } from './billing-store.js';
import type { PaymentProcessor } from './payment-processor.js';

/** BILLING_DOMAIN is the ErrorInfo domain of the billing service's errors. */
export const BILLING_DOMAIN = 'billing';

/** BillingContext is what every group of billing handlers works with. */
export interface BillingContext {
  store: BillingStore;
  events: EventPublisher;
  clock: Clock;
  paymentProcessor: PaymentProcessor;
  reservationTtlMs: number;
  paymentTermsDays: number;
  taxRateBasisPoints: number;
}

/** BillingHandlers is a part of the BillingService implementation. */
export type BillingHandlers<K extends keyof ServiceImpl<typeof BillingService>> = Pick<ServiceImpl<typeof BillingService>, K>;
