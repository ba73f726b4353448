/**
 * Invoices as objects: a draft with line items and totals, finalization (a number, a hosted
 * URL, a PaymentIntent for `amount_due`), payment with a PaymentMethod (through that
 * PaymentIntent, so declines and 3-D Secure behave as for any payment) or out of band, and the
 * subscription that follows its first invoice.
 *
 * @see https://docs.stripe.com/api/invoices/object
 * @see https://docs.stripe.com/invoicing/overview#invoice-lifecycle
 */
import type { EmulatorContext } from './context.js';
import { invalidRequest } from './errors.js';
import {
  nowSec,
  stripeId,
  type StripeCustomer,
  type StripeInvoice,
  type StripeLineItem,
  type StripeObject,
  type StripePaymentIntent,
  type StripePrice,
  type StripeSubscription,
} from './objects.js';
import { confirmIntent, newPaymentIntent } from './payments.js';
import type { Emit } from './router.js';

/**
 * A new draft invoice for `customer` (stored; `invoice.created` is the caller's).
 *
 * @example
 * const inv = newInvoice(ctx, customer, { currency: 'usd', collection_method: 'send_invoice', days_until_due: 30 });
 */
export function newInvoice(ctx: EmulatorContext, customer: StripeCustomer, fields: Partial<StripeInvoice> & { currency: string }): StripeInvoice {
  const now = nowSec();
  const id = stripeId('in');
  const inv = ctx.store.put<StripeInvoice>({
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Switchboard emulator',
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: false,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_reason: 'manual',
    collection_method: 'charge_automatically',
    created: now,
    customer: customer.id,
    customer_email: customer.email,
    customer_name: (customer.name as string | null) ?? null,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    paid: false,
    paid_out_of_band: false,
    parent: null,
    payment_intent: null,
    payments: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoice_payments?invoice=${id}` },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: now,
    period_start: now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    starting_balance: 0,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: null,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_tax_amounts: [],
    webhooks_delivered_at: now,
    ...fields,
  });
  linkParent(ctx, inv);
  return inv;
}

/**
 * Since API 2025-03-31 an invoice names its subscription under `parent` (with a snapshot of its
 * metadata) and its PaymentIntents under `payments`.
 */
function linkParent(ctx: EmulatorContext, inv: StripeInvoice): void {
  const sub = inv.subscription ? ctx.store.get<StripeSubscription>(inv.subscription) : undefined;
  if (!sub) return;
  inv.parent = { type: 'subscription_details', quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id } };
  inv.subscription_details = { metadata: { ...sub.metadata } };
}

function paymentRecord(inv: StripeInvoice, pi: StripePaymentIntent): StripeObject {
  return {
    id: stripeId('inpay'),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: pi.amount,
    created: nowSec(),
    currency: pi.currency,
    invoice: inv.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: pi.id },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

/**
 * Recomputes `subtotal`, `total`, `amount_due` and `amount_remaining` from the lines.
 *
 * @example
 * inv.lines.data.pop(); recompute(inv); // totals follow the remaining lines
 */
export function recompute(inv: StripeInvoice): void {
  const total = inv.lines.data.reduce((sum, line) => sum + line.amount, 0);
  Object.assign(inv, { subtotal: total, subtotal_excluding_tax: total, total, total_excluding_tax: total, amount_due: Math.max(0, total) });
  inv.lines.total_count = inv.lines.data.length;
  inv.amount_remaining = inv.status === 'paid' ? 0 : inv.amount_due - inv.amount_paid;
}

/**
 * Adds one line (an invoice item or a subscription item) and recomputes the totals.
 *
 * @example
 * addLine(inv, { amount: 5000, description: 'Work', quantity: 1, price: null, period: { start: now, end: now }, type: 'invoiceitem' });
 */
export function addLine(
  inv: StripeInvoice,
  line: { amount: number; description: string | null; quantity: number; price: StripePrice | null; period: { start: number; end: number }; type: 'invoiceitem' | 'subscription'; proration?: boolean; invoiceItem?: string; subscription?: string; subscriptionItem?: string; metadata?: Record<string, string> },
): StripeLineItem {
  const item: StripeLineItem = {
    id: stripeId('il'),
    object: 'line_item',
    amount: line.amount,
    amount_excluding_tax: line.amount,
    currency: inv.currency,
    description: line.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: inv.id,
    ...(line.invoiceItem ? { invoice_item: line.invoiceItem } : {}),
    livemode: false,
    metadata: line.metadata ?? {},
    period: line.period,
    price: line.price ? structuredClone(line.price) : null,
    proration: line.proration ?? false,
    proration_details: { credited_items: null },
    quantity: line.quantity,
    subscription: line.subscription ?? null,
    ...(line.subscriptionItem ? { subscription_item: line.subscriptionItem } : {}),
    tax_amounts: [],
    tax_rates: [],
    type: line.type,
    unit_amount_excluding_tax: String(line.quantity ? Math.round(line.amount / line.quantity) : line.amount),
  };
  inv.lines.data.push(item);
  recompute(inv);
  return item;
}

/**
 * Marks `inv` paid (by its PaymentIntent or out of band) and activates an incomplete subscription.
 *
 * @example
 * markPaid(ctx, inv, call.emit, true); // paid_out_of_band
 */
export function markPaid(ctx: EmulatorContext, inv: StripeInvoice, emit: Emit, outOfBand = false): void {
  Object.assign(inv, { status: 'paid', paid: true, paid_out_of_band: outOfBand, amount_paid: inv.amount_due, amount_remaining: 0, next_payment_attempt: null });
  inv.status_transitions.paid_at = nowSec();
  for (const record of (inv.payments as { data: StripeObject[] }).data) {
    Object.assign(record, outOfBand ? { status: 'canceled' } : { status: 'paid', amount_paid: record.amount_requested });
    (record.status_transitions as Record<string, number>)[outOfBand ? 'canceled_at' : 'paid_at'] = nowSec();
  }
  emit('invoice.paid', inv);
  if (!outOfBand) emit('invoice.payment_succeeded', inv);
  const sub = inv.subscription ? ctx.store.get<StripeSubscription>(inv.subscription) : undefined;
  if (sub && (sub.status === 'incomplete' || sub.status === 'past_due')) {
    const previous = { status: sub.status };
    sub.status = sub.trial_end && (sub.trial_end as number) > nowSec() ? 'trialing' : 'active';
    if (!ctx.creating.has(sub.id)) emit('customer.subscription.updated', sub, previous);
  }
}

/**
 * Finalizes a draft: `open` with a number, hosted URL and a PaymentIntent for `amount_due`; an
 * invoice with nothing due is paid at once, as Stripe does.
 *
 * @example
 * finalize(ctx, inv, call.emit); // inv.status: 'open', inv.number: 'ABCD1234-0001'
 */
export function finalize(ctx: EmulatorContext, inv: StripeInvoice, emit: Emit): void {
  if (inv.status !== 'draft') throw invalidRequest('invoice_unexpected_state', `This invoice is already finalized, you can't re-finalize a non-draft invoice.`);
  const customer = ctx.store.get<StripeCustomer>(inv.customer)!;
  const sequence = (customer.next_invoice_sequence as number) ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  const now = nowSec();
  Object.assign(inv, {
    status: 'open',
    number: `${String(customer.invoice_prefix)}-${String(sequence).padStart(4, '0')}`,
    hosted_invoice_url: `${ctx.baseUrl()}/invoices/${inv.id}`,
    invoice_pdf: `${ctx.baseUrl()}/invoices/${inv.id}/pdf`,
    effective_at: now,
    ending_balance: 0,
  });
  inv.status_transitions.finalized_at = now;
  if (inv.collection_method === 'send_invoice' && inv.due_date === null) inv.due_date = now + Number(inv.days_until_due ?? 30) * 86_400;
  emit('invoice.finalized', inv);
  if (inv.amount_due === 0) return markPaid(ctx, inv, emit);
  const pi = ctx.store.put(
    newPaymentIntent({ amount: inv.amount_due, currency: inv.currency, customer: inv.customer, description: inv.subscription ? 'Subscription creation' : `Invoice ${String(inv.number)}`, invoice: inv.id, capture_method: 'automatic' }),
  );
  ctx.accepted.push(pi);
  inv.payment_intent = pi.id;
  inv.confirmation_secret = { client_secret: pi.client_secret, type: 'payment_intent' };
  (inv.payments as { data: StripeObject[] }).data.push(paymentRecord(inv, pi));
  emit('payment_intent.created', pi);
}

/** The PaymentMethod an invoice is charged with: given, the subscription's, the invoice's, the customer's default. */
function methodFor(ctx: EmulatorContext, inv: StripeInvoice, given: string | undefined): string {
  const sub = inv.subscription ? ctx.store.get<StripeSubscription>(inv.subscription) : undefined;
  const customer = ctx.store.get<StripeCustomer>(inv.customer);
  const id = given ?? sub?.default_payment_method ?? inv.default_payment_method ?? customer?.invoice_settings.default_payment_method;
  if (!id) {
    throw invalidRequest(
      'resource_missing',
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    );
  }
  return ctx.methods.resolve(id, 'payment_method').id;
}

/**
 * Attempts payment of an open invoice through its PaymentIntent; a decline throws the 402 after
 * `invoice.payment_failed`.
 *
 * @example
 * payInvoice(ctx, inv, { offSession: true }, call.emit); // or throws the 402 card error
 */
export function payInvoice(ctx: EmulatorContext, inv: StripeInvoice, options: { paymentMethod?: string; offSession: boolean }, emit: Emit): void {
  if (inv.status === 'paid') throw invalidRequest('invoice_unexpected_state', 'Invoice is already paid');
  if (inv.status !== 'open') throw invalidRequest('invoice_unexpected_state', `You can only pay an open invoice. This invoice is ${inv.status}.`);
  const pi = ctx.store.get<StripePaymentIntent>(inv.payment_intent!)!;
  pi.payment_method = methodFor(ctx, inv, options.paymentMethod);
  pi.status = 'requires_confirmation';
  Object.assign(inv, { attempt_count: (inv.attempt_count as number) + 1, attempted: true });
  confirmIntent(ctx, pi, { offSession: options.offSession, returnUrl: undefined }, emit);
}

/**
 * Invoices follow their PaymentIntent: paid when it succeeds, `invoice.payment_failed` when an attempt fails.
 *
 * @example
 * followIntents(ctx); // once, when the emulator starts
 */
export function followIntents(ctx: EmulatorContext): void {
  ctx.onIntentSettled.push((pi, emit) => {
    const inv = typeof pi.invoice === 'string' ? ctx.store.get<StripeInvoice>(pi.invoice) : undefined;
    if (!inv || inv.status !== 'open') return;
    if (pi.status === 'succeeded') return markPaid(ctx, inv, emit);
    if (pi.status === 'requires_payment_method') emit('invoice.payment_failed', inv);
  });
}

/**
 * Attaches the customer's pending invoice items (no invoice yet, same currency) to `inv`.
 *
 * @example
 * includePendingItems(ctx, inv); // pending_invoice_items_behavior=include
 */
export function includePendingItems(ctx: EmulatorContext, inv: StripeInvoice): void {
  for (const item of ctx.store.all<StripeObject>('invoiceitem', (ii) => ii.customer === inv.customer && ii.invoice === null && ii.currency === inv.currency)) {
    item.invoice = inv.id;
    addLine(inv, {
      amount: item.amount as number,
      description: item.description as string | null,
      quantity: item.quantity as number,
      price: item.price as StripePrice | null,
      period: item.period as { start: number; end: number },
      type: 'invoiceitem',
      proration: item.proration as boolean,
      invoiceItem: item.id,
      metadata: item.metadata as Record<string, string>,
    });
  }
}
