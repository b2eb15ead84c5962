import type { Escrow } from '../../../gen/billing/v1/escrow_pb.js';
import type { Invoice } from '../../../gen/billing/v1/invoice_pb.js';
import type { PaymentIntent, Refund } from '../../../gen/billing/v1/payment_pb.js';
import { EscrowStatus } from '../../../gen/billing/v1/escrow_pb.js';
import type { Reservation } from '../../../gen/billing/v1/reservation_pb.js';
import type { Money } from '../../../gen/mesh/v1/money_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { moneyFromNanos, NANOS_PER_UNIT, totalNanos } from '../shared/money.js';
import { Mutex } from '../shared/mutex.js';

/** BILLING_EFFECTS names the billing store's effect counters. */
export const BILLING_EFFECTS = [
  'reservationsHeld',
  'reservationsReleased',
  'reservationsCaptured',
  'reservationsExpired',
  'escrowsCreated',
  'escrowsReleased',
  'escrowsRefunded',
  'paymentIntentsCreated',
  'paymentsSucceeded',
  'paymentsFailed',
  'paymentRefunds',
  'invoicesCreated',
] as const;

/** BillingEffect is one of BILLING_EFFECTS. */
export type BillingEffect = (typeof BILLING_EFFECTS)[number];

/** DEFAULT_CLIENT_FUNDS_UNITS is what a client can hold or escrow in any currency until told otherwise (setFunds). */
export const DEFAULT_CLIENT_FUNDS_UNITS = 1_000_000n;

/** BillingStoreOptions tune a BillingStore. */
export interface BillingStoreOptions {
  /**
   * defaultClientFundsUnits are the available whole units of a client and
   * currency the store has not seen yet.
   * @defaultValue DEFAULT_CLIENT_FUNDS_UNITS
   */
  defaultClientFundsUnits?: bigint;
}

const accountKey = (ownerId: string, currencyCode: string) => `${ownerId}\u0000${currencyCode}`;

/**
 * BillingStore keeps reservations, escrows, payments and invoices in memory,
 * plus the money they move: each client's available funds (reservations and
 * escrows draw on them, releases and refunds give back) and each
 * freelancer's payouts. Amounts are bigint nanos, never floats.
 */
export class BillingStore {
  readonly reservations = new Map<string, Reservation>();
  readonly escrows = new Map<string, Escrow>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly refunds = new Map<string, Refund>();
  readonly invoices = new Map<string, Invoice>();
  readonly counters = new EffectCounters<BillingEffect>(BILLING_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();
  private readonly available = new Map<string, bigint>();
  private readonly payouts = new Map<string, bigint>();
  private readonly defaultFundsNanos: bigint;

  constructor(options: BillingStoreOptions = {}) {
    this.defaultFundsNanos = (options.defaultClientFundsUnits ?? DEFAULT_CLIENT_FUNDS_UNITS) * NANOS_PER_UNIT;
  }

  /** availableFunds returns what a client can still reserve or escrow in a currency. */
  availableFunds(clientId: string, currencyCode: string): Money {
    return moneyFromNanos(currencyCode, this.available.get(accountKey(clientId, currencyCode)) ?? this.defaultFundsNanos);
  }

  /** setFunds sets a client's available funds in the amount's currency (seeding, tests). */
  setFunds(clientId: string, amount: Money): void {
    this.available.set(accountKey(clientId, amount.currencyCode), totalNanos(amount));
  }

  /** moveFunds adds a signed amount to a client's available funds. */
  moveFunds(clientId: string, currencyCode: string, nanos: bigint): void {
    this.available.set(accountKey(clientId, currencyCode), totalNanos(this.availableFunds(clientId, currencyCode)) + nanos);
  }

  /** paidOut returns what escrow releases paid a freelancer in a currency. */
  paidOut(freelancerId: string, currencyCode: string): Money {
    return moneyFromNanos(currencyCode, this.payouts.get(accountKey(freelancerId, currencyCode)) ?? 0n);
  }

  /** addPayout credits a released escrow to its freelancer. */
  addPayout(freelancerId: string, amount: Money): void {
    const key = accountKey(freelancerId, amount.currencyCode);
    this.payouts.set(key, (this.payouts.get(key) ?? 0n) + totalNanos(amount));
  }

  /** liveEscrowOfContract returns the contract's escrow unless it was refunded. */
  liveEscrowOfContract(contractId: string): Escrow | undefined {
    return [...this.escrows.values()].find((escrow) => escrow.contractId === contractId && escrow.status !== EscrowStatus.REFUNDED);
  }

  /** refundsOf returns a payment's refunds, oldest first. */
  refundsOf(paymentIntentId: string): Refund[] {
    return [...this.refunds.values()].filter((refund) => refund.paymentIntentId === paymentIntentId);
  }
}
