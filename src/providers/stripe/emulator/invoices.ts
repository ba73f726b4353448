/**
 * Invoices and invoice items: create, retrieve, update, list, finalize, send, pay (with a
 * PaymentMethod or `paid_out_of_band`), void, mark uncollectible, delete a draft; invoice items
 * by `amount`, `unit_amount` × `quantity` or `price`, on a draft invoice or pending.
 *
 * @see https://docs.stripe.com/api/invoices
 * @see https://docs.stripe.com/api/invoiceitems
 */
import { checkCurrency } from './amounts.js';
import type { EmulatorContext } from './context.js';
import { invalidRequest, stripeErrors } from './errors.js';
import { addLine, finalize, includePendingItems, newInvoice, payInvoice, markPaid, recompute } from './invoicing.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCustomer, type StripeInvoice, type StripeObject, type StripePaymentIntent, type StripePrice } from './objects.js';
import { mergeMetadata, type ParamKind } from './params.js';
import type { Route } from './router.js';

const INVOICE: Record<string, ParamKind> = {
  auto_advance: 'boolean',
  collection_method: 'string',
  days_until_due: 'integer',
  due_date: 'integer',
  description: 'string',
  metadata: 'metadata',
  default_payment_method: 'string',
  footer: 'string',
  statement_descriptor: 'string',
};
const ENUMS = { collection_method: ['charge_automatically', 'send_invoice'], pending_invoice_items_behavior: ['include', 'exclude'] };

/**
 * Routes: `/v1/invoices…`, `/v1/invoiceitems…`.
 *
 * @example
 * invoiceRoutes(route, ctx); // POST /v1/invoices/in_123/pay paid_out_of_band=true
 */
export function invoiceRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;
  const find = (id: string) => store.find<StripeInvoice>('invoice', id);

  route(
    'POST',
    '/v1/invoices',
    { params: { ...INVOICE, customer: 'string', currency: 'string', subscription: 'string', pending_invoice_items_behavior: 'string' }, required: ['customer'], enums: ENUMS },
    (call) => {
      const { args } = call;
      const customer = store.find<StripeCustomer>('customer', args.str('customer')!, 'customer');
      const method = (args.str('collection_method') ?? 'charge_automatically') as StripeInvoice['collection_method'];
      if (method === 'send_invoice' && !args.has('days_until_due') && !args.has('due_date')) throw stripeErrors.missing('days_until_due');
      if (method === 'charge_automatically' && args.has('days_until_due')) {
        throw invalidRequest('parameter_not_allowed', "Can't set `days_until_due` when `collection_method` is `charge_automatically`.", 'days_until_due', 400, false);
      }
      const inv = newInvoice(ctx, customer, {
        currency: checkCurrency(args.str('currency') ?? (customer.currency as string | null) ?? 'usd'),
        collection_method: method,
        auto_advance: args.bool('auto_advance') ?? false,
        description: args.str('description') ?? null,
        metadata: mergeMetadata({}, args.meta()),
        default_payment_method: args.str('default_payment_method') ?? null,
        due_date: args.int('due_date') ?? null,
        ...(args.has('days_until_due') ? { days_until_due: args.int('days_until_due') } : {}),
        footer: args.str('footer') ?? null,
      });
      if (args.str('pending_invoice_items_behavior') === 'include') includePendingItems(ctx, inv);
      call.emit('invoice.created', inv);
      return inv;
    },
  );

  route('GET', '/v1/invoices/:id', { params: {} }, (call) => find(call.path.id!));
  route('GET', '/v1/invoices/:id/lines', { params: LIST_PARAMS }, (call) => {
    const inv = find(call.path.id!);
    return listPage(inv.lines.data, call.args, `/v1/invoices/${inv.id}/lines`);
  });

  route('POST', '/v1/invoices/:id', { params: INVOICE, enums: ENUMS }, (call) => {
    const inv = find(call.path.id!);
    const { args } = call;
    const others = Object.keys(args.values).filter((k) => k !== 'expand' && k !== 'metadata');
    if (inv.status !== 'draft' && others.length > 0) throw invalidRequest('invoice_not_editable', `You can only modify ${others[0]} on a draft invoice.`, others[0]);
    for (const field of ['description', 'footer', 'default_payment_method', 'statement_descriptor'] as const) if (args.has(field)) inv[field] = args.nullable(field) ?? null;
    if (args.has('auto_advance')) inv.auto_advance = args.bool('auto_advance');
    if (args.has('collection_method')) inv.collection_method = args.str('collection_method') as StripeInvoice['collection_method'];
    if (args.has('days_until_due')) inv.days_until_due = args.int('days_until_due');
    if (args.has('due_date')) inv.due_date = args.int('due_date') ?? null;
    inv.metadata = mergeMetadata(inv.metadata as Record<string, string>, args.meta());
    call.emit('invoice.updated', inv);
    return inv;
  });

  route('GET', '/v1/invoices', { params: { ...LIST_PARAMS, customer: 'string', status: 'string', subscription: 'string', collection_method: 'string', due_date: 'hash' } }, (call) => {
    const { args } = call;
    const items = store.all<StripeInvoice>(
      'invoice',
      (inv) =>
        (!args.has('customer') || inv.customer === args.str('customer')) &&
        (!args.has('status') || inv.status === args.str('status')) &&
        (!args.has('subscription') || inv.subscription === args.str('subscription')) &&
        (!args.has('collection_method') || inv.collection_method === args.str('collection_method')),
    );
    return listPage(items, args, '/v1/invoices');
  });

  route('POST', '/v1/invoices/:id/finalize', { params: { auto_advance: 'boolean' } }, (call) => {
    const inv = find(call.path.id!);
    if (call.args.has('auto_advance')) inv.auto_advance = call.args.bool('auto_advance');
    finalize(ctx, inv, call.emit);
    return inv;
  });

  route('POST', '/v1/invoices/:id/send', { params: {} }, (call) => {
    const inv = find(call.path.id!);
    if (inv.collection_method !== 'send_invoice') throw invalidRequest('invoice_unexpected_state', 'You can only manually send an invoice if its collection method is `send_invoice`.');
    if (inv.status === 'draft') finalize(ctx, inv, call.emit);
    if (inv.status !== 'open') throw invalidRequest('invoice_unexpected_state', `You can only send an open invoice. This invoice is ${inv.status}.`);
    call.emit('invoice.sent', inv);
    return inv;
  });

  route('POST', '/v1/invoices/:id/pay', { params: { paid_out_of_band: 'boolean', payment_method: 'string', off_session: 'boolean', forgive: 'boolean', source: 'string' } }, (call) => {
    const inv = find(call.path.id!);
    if (inv.status === 'draft') finalize(ctx, inv, call.emit);
    if (call.args.bool('paid_out_of_band') === true) {
      if (inv.status !== 'open') throw invalidRequest('invoice_unexpected_state', `You can only pay an open invoice. This invoice is ${inv.status}.`);
      const pi = inv.payment_intent ? store.get<StripePaymentIntent>(inv.payment_intent) : undefined;
      if (pi && pi.status !== 'succeeded') Object.assign(pi, { status: 'canceled', canceled_at: nowSec(), cancellation_reason: 'void_invoice' });
      markPaid(ctx, inv, call.emit, true);
      return inv;
    }
    if (inv.status === 'open') payInvoice(ctx, inv, { paymentMethod: call.args.str('payment_method'), offSession: call.args.bool('off_session') ?? true }, call.emit);
    else throw invalidRequest('invoice_unexpected_state', inv.status === 'paid' ? 'Invoice is already paid' : `You can only pay an open invoice. This invoice is ${inv.status}.`);
    return inv;
  });

  route('POST', '/v1/invoices/:id/void', { params: {} }, (call) => {
    const inv = find(call.path.id!);
    if (inv.status !== 'open' && inv.status !== 'uncollectible') throw invalidRequest('invoice_unexpected_state', `You can only void an open or uncollectible invoice. This invoice is ${inv.status}.`);
    inv.status = 'void';
    inv.status_transitions.voided_at = nowSec();
    const pi = inv.payment_intent ? store.get<StripePaymentIntent>(inv.payment_intent) : undefined;
    if (pi && pi.status !== 'succeeded') Object.assign(pi, { status: 'canceled', canceled_at: nowSec(), cancellation_reason: 'void_invoice' });
    inv.amount_remaining = 0;
    call.emit('invoice.voided', inv);
    return inv;
  });

  route('POST', '/v1/invoices/:id/mark_uncollectible', { params: {} }, (call) => {
    const inv = find(call.path.id!);
    if (inv.status !== 'open') throw invalidRequest('invoice_unexpected_state', `You can only mark an open invoice as uncollectible. This invoice is ${inv.status}.`);
    inv.status = 'uncollectible';
    inv.status_transitions.marked_uncollectible_at = nowSec();
    call.emit('invoice.marked_uncollectible', inv);
    return inv;
  });

  route('DELETE', '/v1/invoices/:id', { params: {} }, (call) => {
    const inv = find(call.path.id!);
    if (inv.status !== 'draft') throw invalidRequest('invoice_unexpected_state', 'You can only delete draft invoices.');
    for (const item of store.all('invoiceitem', (ii) => ii.invoice === inv.id)) store.delete(item.id);
    call.emit('invoice.deleted', inv);
    store.delete(inv.id);
    return { id: inv.id, object: 'invoice', deleted: true };
  });

  route(
    'POST',
    '/v1/invoiceitems',
    { params: { customer: 'string', amount: 'integer', currency: 'string', unit_amount: 'integer', unit_amount_decimal: 'string', quantity: 'integer', price: 'string', pricing: 'hash', description: 'string', invoice: 'string', metadata: 'metadata', period: 'hash', discountable: 'boolean', subscription: 'string' }, required: ['customer'] },
    (call) => {
      const { args } = call;
      const customer = store.find<StripeCustomer>('customer', args.str('customer')!, 'customer');
      const priceId = args.str('price') ?? (args.hash('pricing')?.price as string | undefined);
      const price = priceId ? store.find<StripePrice>('price', priceId, 'price') : null;
      const quantity = args.int('quantity') ?? 1;
      const unit = price?.unit_amount ?? args.int('unit_amount') ?? (args.has('unit_amount_decimal') ? Math.round(Number(args.str('unit_amount_decimal'))) : undefined);
      const amount = args.int('amount') ?? (unit === undefined ? undefined : unit * quantity);
      if (amount === undefined) throw stripeErrors.missing('amount');
      const currencyGiven = args.str('currency') ?? price?.currency;
      if (currencyGiven === undefined) throw stripeErrors.missing('currency');
      const currency = checkCurrency(currencyGiven);
      const inv = args.has('invoice') ? store.find<StripeInvoice>('invoice', args.str('invoice')!, 'invoice') : null;
      if (inv && inv.status !== 'draft') throw invalidRequest('invoice_not_editable', `You can only add invoice items to draft invoices. This invoice is ${inv.status}.`, 'invoice');
      if (inv && inv.customer !== customer.id) throw invalidRequest('invoice_not_editable', 'The invoice must belong to the same customer as the invoice item.', 'invoice');
      if (inv && inv.currency !== currency) throw invalidRequest('currency_mismatch', `The invoice item's currency (${currency}) must match the invoice's currency (${inv.currency}).`, 'currency');
      const now = nowSec();
      const periodHash = args.hash('period');
      const period = periodHash ? { start: Number(periodHash.start), end: Number(periodHash.end) } : { start: now, end: now };
      const item = store.put<StripeObject>({
        id: stripeId('ii'),
        object: 'invoiceitem',
        amount,
        currency,
        customer: customer.id,
        date: now,
        description: args.str('description') ?? price?.nickname ?? null,
        discountable: args.bool('discountable') ?? true,
        discounts: [],
        invoice: inv?.id ?? null,
        livemode: false,
        metadata: mergeMetadata({}, args.meta()),
        period,
        price: price ? structuredClone(price) : null,
        proration: false,
        quantity,
        subscription: args.str('subscription') ?? null,
        tax_rates: [],
        test_clock: null,
        unit_amount: unit ?? amount,
        unit_amount_decimal: String(unit ?? amount),
      });
      if (inv) {
        addLine(inv, { amount, description: item.description as string | null, quantity, price, period, type: 'invoiceitem', invoiceItem: item.id, metadata: item.metadata as Record<string, string> });
      }
      call.emit('invoiceitem.created', item);
      return item;
    },
  );

  route('GET', '/v1/invoiceitems/:id', { params: {} }, (call) => store.find('invoiceitem', call.path.id!));
  route('GET', '/v1/invoiceitems', { params: { ...LIST_PARAMS, customer: 'string', invoice: 'string', pending: 'boolean' } }, (call) => {
    const { args } = call;
    const items = store.all(
      'invoiceitem',
      (ii) =>
        (!args.has('customer') || ii.customer === args.str('customer')) &&
        (!args.has('invoice') || ii.invoice === args.str('invoice')) &&
        (args.bool('pending') !== true || ii.invoice === null),
    );
    return listPage(items, args, '/v1/invoiceitems');
  });
  route('DELETE', '/v1/invoiceitems/:id', { params: {} }, (call) => {
    const item = store.find('invoiceitem', call.path.id!);
    const inv = typeof item.invoice === 'string' ? store.get<StripeInvoice>(item.invoice) : undefined;
    if (inv && inv.status !== 'draft') throw invalidRequest('invoice_not_editable', 'You can only delete invoice items that are on a draft invoice or pending.');
    if (inv) {
      inv.lines.data = inv.lines.data.filter((l) => l.invoice_item !== item.id);
      recompute(inv);
    }
    store.delete(item.id);
    call.emit('invoiceitem.deleted', item);
    return { id: item.id, object: 'invoiceitem', deleted: true };
  });
}
