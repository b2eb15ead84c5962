import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InvoiceCreatedSchema } from '../../../gen/billing/v1/billing_events_pb.js';
import { InvoiceLineItemSchema, InvoiceSchema, InvoiceStatus } from '../../../gen/billing/v1/invoice_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { addMoney, moneyFromNanos, multiplyMoney, roundMoney, sumMoney, totalNanos } from '../shared/money.js';
import { requireCurrency, requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { invalidArgument } from '../shared/service-errors.js';
import type { BillingContext, BillingHandlers } from './billing-context.js';

const DAY_MS = 86_400_000;

/** BASIS_POINTS_PER_UNIT is 100% in basis points. */
export const BASIS_POINTS_PER_UNIT = 10_000n;

/**
 * createInvoiceHandlers implements CreateInvoice: the server computes each
 * line's amount (quantity × unit_price, rounded to the currency's minor
 * unit), the subtotal, the tax and the total, all in one currency.
 */
export function createInvoiceHandlers(context: BillingContext): BillingHandlers<'createInvoice'> {
  const { store, events, clock } = context;
  return {
    createInvoice(request) {
      return store.mutex.runExclusive(async () => {
        if (request.lineItems.length === 0) throw invalidArgument('line_items', 'required', 'must hold at least one item');
        const first = requireMoney(request.lineItems[0]?.unitPrice, 'line_items[0].unit_price');
        const lineItems = request.lineItems.map((item, index) => {
          const field = `line_items[${index}]`;
          if (item.quantity <= 0n) throw invalidArgument(`${field}.quantity`, 'gt', 'must be greater than 0');
          const unitPrice = requireMoney(item.unitPrice, `${field}.unit_price`);
          requireCurrency(unitPrice, first.currencyCode, `${field}.unit_price`);
          if (totalNanos(unitPrice) < 0n) throw invalidArgument(`${field}.unit_price`, 'min', 'must not be negative');
          return create(InvoiceLineItemSchema, { description: item.description, quantity: item.quantity, unitPrice, amount: roundMoney(multiplyMoney(unitPrice, item.quantity)) });
        });
        const subtotal = sumMoney(first.currencyCode, lineItems.map((item) => item.amount!));
        const tax = roundMoney(moneyFromNanos(first.currencyCode, (totalNanos(subtotal) * BigInt(context.taxRateBasisPoints)) / BASIS_POINTS_PER_UNIT));
        const nowMs = clock().getTime();
        const dueAt = request.dueAt ?? timestampFromMs(nowMs + context.paymentTermsDays * DAY_MS);
        if (timestampDate(dueAt).getTime() <= nowMs) throw invalidArgument('due_at', 'future', 'must be in the future');
        const invoice = create(InvoiceSchema, {
          invoiceId: newId('inv'),
          contractId: request.contractId,
          clientId: request.clientId,
          freelancerId: request.freelancerId,
          lineItems,
          subtotal,
          tax,
          total: addMoney(subtotal, tax),
          status: InvoiceStatus.ISSUED,
          issuedAt: nowTimestamp(clock),
          dueAt,
        });
        const event = create(InvoiceCreatedSchema, {
          invoiceId: invoice.invoiceId,
          contractId: invoice.contractId,
          clientId: invoice.clientId,
          freelancerId: invoice.freelancerId,
          total: invoice.total,
          issuedAt: invoice.issuedAt,
          dueAt,
        });
        await events.publish(EventChannels.PAYMENTS, InvoiceCreatedSchema, event, { aggregateId: invoice.invoiceId, aggregateType: 'invoice' });
        store.invoices.set(invoice.invoiceId, invoice);
        store.counters.increment('invoicesCreated');
        return { invoice };
      });
    },
  };
}
