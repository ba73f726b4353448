/**
 * PayPal invoices (Invoicing v2): a draft with items and the recipient's email, items added by
 * replacing the whole invoice (GET then PUT), sent by PayPal, marked paid by recording a payment
 * of the amount due, listed page by page.
 *
 * PayPal's surprises: there is no finalize step (sending does it) and no item endpoint; item
 * quantities and amounts are decimal strings; the hub's id travels in `detail.reference`.
 *
 * @see https://developer.paypal.com/docs/api/invoicing/v2/
 */
import { PAYMENT_HUB_ID_FIELD, type Invoice, type InvoiceItemInput, type InvoiceStatus, type PaymentsProvider } from '../../categories/payments/contract.js';
import { validationError } from '../../core/errors.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { PaypalCredentials } from './manifest.js';
import type { PaypalCall } from './paypal-json.js';
import { at, fromPaypalMoney, linkOf, list, paypalMoney, str, unsupported, type Json } from './paypal-json.js';

const STATUS: Record<string, InvoiceStatus> = {
  DRAFT: 'draft',
  SENT: 'open',
  SCHEDULED: 'open',
  UNPAID: 'open',
  PARTIALLY_PAID: 'open',
  PAYMENT_PENDING: 'open',
  PAID: 'paid',
  MARKED_AS_PAID: 'paid',
  PARTIALLY_REFUNDED: 'paid',
  REFUNDED: 'paid',
  MARKED_AS_REFUNDED: 'paid',
  CANCELLED: 'void',
};

const minor = (v: unknown): number => fromPaypalMoney(v)?.minor ?? 0;

/**
 * A Invoicing v2 invoice → the hub's Invoice.
 *
 * @example
 * paypalInvoice({ id: 'INV2-Z56S-5LLA-Q52L-CPZ5', status: 'DRAFT', detail: { currency_code: 'USD' }, amount: { currency_code: 'USD', value: '10.00' }, items: [] })
 * // { id: 'INV2-Z56S-5LLA-Q52L-CPZ5', status: 'draft', total: 1000, amountDue: 1000, amountPaid: 0, … }
 */
export function paypalInvoice(inv: Json): Invoice {
  const currency = str(at(inv, 'detail', 'currency_code')) ?? fromPaypalMoney(inv.amount)?.currency ?? '';
  const status = STATUS[String(inv.status)] ?? 'open';
  const total = minor(inv.amount);
  const paid = minor(at(inv, 'payments', 'paid_amount'));
  const hubId = str(at(inv, 'detail', 'reference'));
  const number = str(at(inv, 'detail', 'invoice_number'));
  const hostedUrl = str(at(inv, 'detail', 'metadata', 'recipient_view_url'));
  const due = inv.due_amount === undefined ? (status === 'paid' || status === 'void' ? 0 : Math.max(0, total - paid)) : minor(inv.due_amount);
  return {
    provider: 'paypal',
    id: String(inv.id),
    status,
    currency: currency.toUpperCase(),
    total,
    amountDue: due,
    amountPaid: paid,
    ...(number ? { number } : {}),
    ...(hostedUrl ? { hostedUrl } : {}),
    items: list(inv.items).map((i) => ({ description: String(i.name ?? i.description ?? ''), unitAmount: minor(i.unit_amount), quantity: Number(i.quantity ?? 1) })),
    metadata: hubId ? { [PAYMENT_HUB_ID_FIELD]: hubId } : {},
    raw: inv,
  };
}

function item(input: InvoiceItemInput, currency: string, field: string): Json {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw validationError(`${field}.quantity`, 'must be a positive integer');
  return { name: input.description.slice(0, 200), quantity: String(quantity), unit_amount: paypalMoney(input.unitAmount, currency, `${field}.unitAmount`) };
}

/** `daysUntilDue` → a PayPal payment term: a NET_n term when one matches, else a due date. */
function paymentTerm(days: number | undefined, now: number): Json {
  if (days === undefined || days === 0) return { term_type: 'DUE_ON_RECEIPT' };
  if ([10, 15, 30, 45, 60, 90].includes(days)) return { term_type: `NET_${days}` };
  return { term_type: 'DUE_ON_DATE_SPECIFIED', due_date: new Date(now + days * 86_400_000).toISOString().slice(0, 10) };
}

type InvoiceMethods = Pick<PaymentsProvider, 'createInvoice' | 'addInvoiceItem' | 'finalizeInvoice' | 'sendInvoice' | 'markInvoicePaid' | 'getInvoice' | 'listInvoices'>;

/**
 * The invoice half of the PayPal connector (spread into `paypalPayments`).
 *
 * @example
 * const inv = await createPaypalInvoices(ctx, call).createInvoice({ currency: 'USD', customerEmail: 'a@x.io', items: [{ description: 'Setup', unitAmount: 5000 }], hubId: 'inv_1' }, { idempotencyKey: 'k' });
 */
export function createPaypalInvoices(ctx: ProviderContext<PaypalCredentials>, call: PaypalCall): InvoiceMethods {
  const path = (id: string) => `/v2/invoicing/invoices/${encodeURIComponent(id)}`;
  const raw = (id: string, signal?: AbortSignal) => call('GET', path(id), 'invoices.get', { signal });
  const get = async (id: string, signal?: AbortSignal) => paypalInvoice(await raw(id, signal));
  /** Answers without the invoice (`{rel, href}` or empty) are followed by a GET. */
  const settle = async (answer: Json, id: string | undefined, signal?: AbortSignal) => {
    if (answer.detail && answer.id) return paypalInvoice(answer);
    const target = id ?? str(answer.id) ?? str(answer.href)?.split('/').pop() ?? linkOf(answer, 'self')?.split('/').pop();
    return get(String(target), signal);
  };
  return {
    async createInvoice(input, options) {
      if (input.customerId && !input.customerEmail) throw unsupported('customerId on invoices', 'PayPal has no customer objects: pass customerEmail, the recipient.');
      const detail: Json = { currency_code: input.currency.toUpperCase(), reference: input.hubId, payment_term: paymentTerm(input.daysUntilDue, ctx.clock.now()) };
      if (input.description) detail.note = input.description.slice(0, 4000);
      const body: Json = { detail, items: (input.items ?? []).map((i, n) => item(i, input.currency, `items.${n}`)) };
      if (input.customerEmail) body.primary_recipients = [{ billing_info: { email_address: input.customerEmail } }];
      const created = await call('POST', '/v2/invoicing/invoices', 'invoices.create', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return settle(created, undefined, options.signal);
    },

    async addInvoiceItem(id, input, options) {
      const inv = await raw(id, options.signal);
      const currency = str(at(inv, 'detail', 'currency_code')) ?? 'USD';
      const { links: _links, amount: _amount, due_amount: _due, ...rest } = inv;
      const body = { ...rest, items: [...list(inv.items), item(input, currency, 'item')] };
      const replaced = await call('PUT', path(id), 'invoices.update', { body, query: { send_to_recipient: false }, signal: options.signal });
      return settle(replaced, id, options.signal);
    },

    finalizeInvoice: () => Promise.reject(unsupported('finalizeInvoice', 'a PayPal invoice is finalized when it is sent: call sendInvoice.')),

    async sendInvoice(id, options) {
      await call('POST', `${path(id)}/send`, 'invoices.send', { body: { send_to_invoicer: false, send_to_recipient: true }, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return get(id, options.signal);
    },

    async markInvoicePaid(id, options) {
      const inv = paypalInvoice(await raw(id, options.signal));
      if (inv.status === 'paid' || inv.amountDue === 0) return inv;
      const body = { method: 'OTHER', payment_date: new Date(ctx.clock.now()).toISOString().slice(0, 10), amount: paypalMoney(inv.amountDue, inv.currency), note: 'Marked paid through Switchboard' };
      await call('POST', `${path(id)}/payments`, 'invoices.pay', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return get(id, options.signal);
    },

    getInvoice: (id, options = {}) => get(id, options.signal),

    async listInvoices(options) {
      if (options.customerId) throw unsupported('listing invoices by customerId', 'PayPal has no customer objects; list all invoices and filter on the recipient.');
      const page = options.after === undefined ? 1 : Number(options.after);
      if (!Number.isSafeInteger(page) || page < 1) throw validationError('after', 'must be the cursor from the previous page (a page number for PayPal)');
      const pageSize = Math.min(100, Math.max(1, options.limit ?? 20));
      const res = await call('GET', '/v2/invoicing/invoices', 'invoices.list', { query: { page, page_size: pageSize, total_required: true }, signal: options.signal });
      const data = list(res.items).map(paypalInvoice);
      const totalPages = Number(res.total_pages);
      const more = Number.isFinite(totalPages) ? page < totalPages : linkOf(res, 'next') !== undefined || data.length === pageSize;
      return { data, next: more && data.length > 0 ? String(page + 1) : null };
    },
  };
}
