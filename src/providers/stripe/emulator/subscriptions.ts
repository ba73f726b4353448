/**
 * Subscriptions: create (the first invoice is made, finalized and paid with the subscription's
 * or the customer's default PaymentMethod: `active`; `trialing` with a $0 invoice; `incomplete`
 * when the payment fails or needs 3-D Secure), retrieve, update (price or quantity changes with
 * prorations, `cancel_at_period_end`), cancel now (`DELETE`), list. Billing periods are on the
 * items (API 2025-03-31 and later) and, for older versions, on the subscription too.
 *
 * @see https://docs.stripe.com/api/subscriptions
 * @see https://docs.stripe.com/billing/subscriptions/prorations
 */
import type { EmulatorContext } from './context.js';
import { changed } from './customers.js';
import { invalidRequest, StripeApiError, stripeErrors } from './errors.js';
import type { FormObject } from './form.js';
import { addLine, finalize, includePendingItems, newInvoice, payInvoice } from './invoicing.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCustomer, type StripeObject, type StripePrice, type StripeSubscription, type StripeSubscriptionItem } from './objects.js';
import { mergeMetadata, type Args, type ParamKind } from './params.js';
import type { Call, Route } from './router.js';

const SHARED: Record<string, ParamKind> = {
  items: 'list',
  default_payment_method: 'string',
  metadata: 'metadata',
  description: 'string',
  payment_behavior: 'string',
  proration_behavior: 'string',
  cancel_at_period_end: 'boolean',
  collection_method: 'string',
  days_until_due: 'integer',
  off_session: 'boolean',
  payment_settings: 'hash',
  trial_end: 'string',
};
const ENUMS = {
  payment_behavior: ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'],
  proration_behavior: ['create_prorations', 'none', 'always_invoice'],
  collection_method: ['charge_automatically', 'send_invoice'],
};

/** `start` plus `count` intervals, calendar-aware for months and years (UTC). */
export function addInterval(start: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * 86_400;
  if (interval === 'week') return start + count * 7 * 86_400;
  const d = new Date(start * 1000);
  if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

const productName = (ctx: EmulatorContext, price: StripePrice) => String(ctx.store.get(price.product)?.name ?? price.product);
const itemAmount = (item: StripeSubscriptionItem) => (item.price.unit_amount ?? 0) * item.quantity;

/** A recurring price in the subscription's currency, or Stripe's 400. */
function recurringPrice(ctx: EmulatorContext, id: unknown, index: number, currency?: string): StripePrice {
  if (typeof id !== 'string') throw stripeErrors.missing(`items[${index}][price]`);
  const price = ctx.store.find<StripePrice>('price', id, `items[${index}][price]`);
  if (!price.recurring) throw invalidRequest('parameter_invalid', 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `items[${index}][price]`);
  if (currency && price.currency !== currency) throw invalidRequest('parameter_invalid', `The price's currency (${price.currency}) must match the subscription's currency (${currency}).`, `items[${index}][price]`);
  return price;
}

function quantityOf(entry: FormObject, index: number): number | undefined {
  if (entry.quantity === undefined) return undefined;
  if (typeof entry.quantity !== 'string' || !/^\d+$/.test(entry.quantity)) throw stripeErrors.invalidInteger(`items[${index}][quantity]`, entry.quantity);
  return Number(entry.quantity);
}

function newItem(sub: StripeSubscription, price: StripePrice, quantity: number, metadata: unknown): StripeSubscriptionItem {
  return {
    id: stripeId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: nowSec(),
    current_period_end: sub.current_period_end,
    current_period_start: sub.current_period_start,
    discounts: [],
    metadata: (metadata as Record<string, string> | undefined) ?? {},
    price: structuredClone(price),
    quantity,
    subscription: sub.id,
    tax_rates: [],
  };
}

/** The subscription's default PaymentMethod, checked to belong to its customer. */
function checkDefaultMethod(ctx: EmulatorContext, customer: StripeCustomer, id: string | undefined): string | null {
  if (!id) return null;
  const pm = ctx.methods.resolve(id, 'default_payment_method');
  if (pm.customer !== customer.id) {
    throw invalidRequest('resource_missing', `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, 'default_payment_method');
  }
  return pm.id;
}

/** Makes, finalizes and (for automatic collection) pays the first invoice of `sub`. */
function firstInvoice(ctx: EmulatorContext, sub: StripeSubscription, customer: StripeCustomer, args: Args, call: Call): void {
  const trial = sub.status === 'trialing';
  const inv = newInvoice(ctx, customer, {
    currency: sub.currency as string,
    subscription: sub.id,
    billing_reason: 'subscription_create',
    collection_method: sub.collection_method as 'charge_automatically',
    period_start: sub.current_period_start,
    period_end: sub.current_period_start,
    ...(sub.days_until_due ? { days_until_due: sub.days_until_due } : {}),
  });
  for (const item of sub.items.data) {
    const name = productName(ctx, item.price);
    addLine(inv, {
      amount: trial ? 0 : itemAmount(item),
      description: trial ? `Trial period for ${name}` : `${item.quantity} × ${name}`,
      quantity: item.quantity,
      price: item.price,
      period: { start: sub.current_period_start, end: sub.current_period_end },
      type: 'subscription',
      subscription: sub.id,
      subscriptionItem: item.id,
    });
  }
  includePendingItems(ctx, inv);
  sub.latest_invoice = inv.id;
  call.emit('invoice.created', inv);
  finalize(ctx, inv, call.emit);
  if (inv.status !== 'open' || sub.collection_method === 'send_invoice') return;
  if (args.str('payment_behavior') === 'default_incomplete') return;
  try {
    payInvoice(ctx, inv, { offSession: args.bool('off_session') === true }, call.emit);
  } catch (err) {
    if (!(err instanceof StripeApiError) || err.status !== 402 || args.str('payment_behavior') === 'error_if_incomplete') throw err;
  }
}

/** Routes: `/v1/subscriptions…`. */
export function subscriptionRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;
  const find = (id: string) => store.find<StripeSubscription>('subscription', id);

  route('POST', '/v1/subscriptions', { params: { ...SHARED, customer: 'string', trial_period_days: 'integer', currency: 'string' }, required: ['customer'], enums: ENUMS }, (call) => {
    const { args } = call;
    const customer = store.find<StripeCustomer>('customer', args.str('customer')!, 'customer');
    const entries = (args.list('items') ?? []) as FormObject[];
    if (entries.length === 0) throw stripeErrors.missing('items');
    const prices = entries.map((entry, i) => recurringPrice(ctx, entry.price, i));
    const currency = prices[0]!.currency;
    prices.forEach((price, i) => recurringPrice(ctx, price.id, i, currency));
    const defaultMethod = checkDefaultMethod(ctx, customer, args.str('default_payment_method'));
    const collection = (args.str('collection_method') ?? 'charge_automatically') as 'charge_automatically' | 'send_invoice';
    if (collection === 'send_invoice' && !args.has('days_until_due')) throw stripeErrors.missing('days_until_due');
    const now = nowSec();
    const trialDays = args.int('trial_period_days');
    const trialEnd = trialDays ? now + trialDays * 86_400 : null;
    const { interval, interval_count } = prices[0]!.recurring!;
    const total = prices.reduce((sum, p, i) => sum + (p.unit_amount ?? 0) * (quantityOf(entries[i]!, i) ?? 1), 0);
    const charging = !trialEnd && total > 0 && collection === 'charge_automatically' && args.str('payment_behavior') !== 'default_incomplete';
    if (charging && !defaultMethod && !customer.invoice_settings.default_payment_method) {
      throw invalidRequest('resource_missing', 'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.');
    }
    const sub = store.put<StripeSubscription>({
      id: stripeId('sub', 14),
      object: 'subscription',
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: trialEnd ?? now,
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: collection,
      created: now,
      currency,
      current_period_end: trialEnd ?? addInterval(now, interval, interval_count),
      current_period_start: now,
      customer: customer.id,
      days_until_due: args.int('days_until_due') ?? null,
      default_payment_method: defaultMethod,
      default_source: null,
      default_tax_rates: [],
      description: args.str('description') ?? null,
      discounts: [],
      ended_at: null,
      invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
      items: { object: 'list', data: [], has_more: false, total_count: 0, url: '/v1/subscription_items' },
      latest_invoice: null,
      livemode: false,
      metadata: mergeMetadata({}, args.meta()),
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: trialEnd ? 'trialing' : total === 0 || collection === 'send_invoice' ? 'active' : 'incomplete',
      test_clock: null,
      transfer_data: null,
      trial_end: trialEnd,
      trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
      trial_start: trialEnd ? now : null,
    });
    sub.items.url = `/v1/subscription_items?subscription=${sub.id}`;
    sub.items.data = prices.map((price, i) => newItem(sub, price, quantityOf(entries[i]!, i) ?? 1, entries[i]!.metadata));
    sub.items.total_count = sub.items.data.length;
    // Announced once the first payment settled, with the status it ends in (as Stripe's event does).
    ctx.creating.add(sub.id);
    try {
      firstInvoice(ctx, sub, customer, args, call);
    } finally {
      ctx.creating.delete(sub.id);
      call.emit('customer.subscription.created', sub);
    }
    return sub;
  });

  route('GET', '/v1/subscriptions/:id', { params: {} }, (call) => find(call.path.id!));

  route('POST', '/v1/subscriptions/:id', { params: { ...SHARED, cancel_at: 'string', proration_date: 'integer' }, enums: ENUMS }, (call) => {
    const sub = find(call.path.id!);
    if (sub.status === 'canceled') throw invalidRequest('resource_missing', `A canceled subscription can only update its cancellation_details and metadata.`);
    const before = structuredClone(sub);
    updateSubscription(ctx, sub, call);
    const previous = changed(before, sub);
    if (Object.keys(previous).length > 0) call.emit('customer.subscription.updated', sub, previous);
    return sub;
  });

  route('DELETE', '/v1/subscriptions/:id', { params: { invoice_now: 'boolean', prorate: 'boolean', cancellation_details: 'hash' } }, (call) => {
    const sub = find(call.path.id!);
    if (sub.status === 'canceled') throw invalidRequest('resource_missing', `No such subscription: '${sub.id}' (it is already canceled).`);
    const now = nowSec();
    const details = call.args.hash('cancellation_details');
    Object.assign(sub, {
      status: 'canceled',
      canceled_at: now,
      ended_at: now,
      cancel_at_period_end: false,
      cancellation_details: { comment: details?.comment ?? null, feedback: details?.feedback ?? null, reason: 'cancellation_requested' },
    });
    call.emit('customer.subscription.deleted', sub);
    return sub;
  });

  route('GET', '/v1/subscriptions', { params: { ...LIST_PARAMS, customer: 'string', price: 'string', status: 'string', collection_method: 'string' } }, (call) => {
    const { args } = call;
    const status = args.str('status');
    const items = store.all<StripeSubscription>(
      'subscription',
      (s) =>
        (!args.has('customer') || s.customer === args.str('customer')) &&
        (!args.has('price') || s.items.data.some((i) => i.price.id === args.str('price'))) &&
        (status === 'all' || (status === undefined ? s.status !== 'canceled' : s.status === status)),
    );
    return listPage(items, args, '/v1/subscriptions');
  });
}

/** Applies an update: items (price, quantity, new, deleted) with prorations, cancellation at period end, fields. */
function updateSubscription(ctx: EmulatorContext, sub: StripeSubscription, call: Call): void {
  const { args } = call;
  const now = nowSec();
  const behavior = args.str('proration_behavior') ?? 'create_prorations';
  const prorations: { amount: number; description: string; price: StripePrice }[] = [];
  const left = Math.max(0, sub.current_period_end - now) / Math.max(1, sub.current_period_end - sub.current_period_start);
  ((args.list('items') ?? []) as FormObject[]).forEach((entry, i) => {
    const existing = typeof entry.id === 'string' ? sub.items.data.find((it) => it.id === entry.id) : undefined;
    if (typeof entry.id === 'string' && !existing) throw stripeErrors.noSuch('subscription item', entry.id, `items[${i}][id]`);
    if (existing && entry.deleted === 'true') {
      prorations.push({ amount: -Math.round(itemAmount(existing) * left), description: `Unused time on ${productName(ctx, existing.price)}`, price: existing.price });
      sub.items.data = sub.items.data.filter((it) => it !== existing);
      return;
    }
    const price = entry.price === undefined && existing ? existing.price : recurringPrice(ctx, entry.price, i, sub.currency as string);
    const quantity = quantityOf(entry, i) ?? existing?.quantity ?? 1;
    if (existing) {
      if (existing.price.id === price.id && existing.quantity === quantity) return;
      prorations.push({ amount: -Math.round(itemAmount(existing) * left), description: `Unused time on ${existing.quantity} × ${productName(ctx, existing.price)}`, price: existing.price });
      Object.assign(existing, { price: structuredClone(price), quantity });
      prorations.push({ amount: Math.round(itemAmount(existing) * left), description: `Remaining time on ${quantity} × ${productName(ctx, price)}`, price });
    } else {
      const item = newItem(sub, price, quantity, entry.metadata);
      sub.items.data.push(item);
      prorations.push({ amount: Math.round(itemAmount(item) * left), description: `Remaining time on ${quantity} × ${productName(ctx, price)}`, price });
    }
  });
  sub.items.total_count = sub.items.data.length;
  if (args.has('cancel_at_period_end')) {
    const atEnd = args.bool('cancel_at_period_end')!;
    Object.assign(sub, { cancel_at_period_end: atEnd, cancel_at: atEnd ? sub.current_period_end : null, canceled_at: atEnd ? now : null });
    sub.cancellation_details = { comment: null, feedback: null, reason: atEnd ? 'cancellation_requested' : null };
  }
  if (args.has('default_payment_method')) sub.default_payment_method = checkDefaultMethod(ctx, ctx.store.get<StripeCustomer>(sub.customer)!, args.nullable('default_payment_method') ?? undefined);
  if (args.has('description')) sub.description = args.nullable('description');
  if (args.has('collection_method')) sub.collection_method = args.str('collection_method');
  if (args.has('days_until_due')) sub.days_until_due = args.int('days_until_due');
  if (args.str('trial_end') === 'now' && sub.status === 'trialing') Object.assign(sub, { status: 'active', trial_end: now });
  sub.metadata = mergeMetadata(sub.metadata, args.meta());
  if (behavior === 'none' || sub.status === 'trialing' || prorations.length === 0) return;
  for (const p of prorations) {
    ctx.store.put<StripeObject>({
      id: stripeId('ii'),
      object: 'invoiceitem',
      amount: p.amount,
      currency: sub.currency,
      customer: sub.customer,
      date: now,
      description: p.description,
      discountable: false,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      period: { start: now, end: sub.current_period_end },
      price: structuredClone(p.price),
      proration: true,
      quantity: 1,
      subscription: sub.id,
      tax_rates: [],
      test_clock: null,
      unit_amount: p.amount,
      unit_amount_decimal: String(p.amount),
    });
  }
  if (behavior !== 'always_invoice') return;
  const customer = ctx.store.get<StripeCustomer>(sub.customer)!;
  const inv = newInvoice(ctx, customer, { currency: sub.currency as string, subscription: sub.id, billing_reason: 'subscription_update', collection_method: sub.collection_method as 'charge_automatically' });
  includePendingItems(ctx, inv);
  sub.latest_invoice = inv.id;
  call.emit('invoice.created', inv);
  finalize(ctx, inv, call.emit);
  if (inv.status === 'open' && sub.collection_method === 'charge_automatically') payInvoice(ctx, inv, { offSession: true }, call.emit);
}
