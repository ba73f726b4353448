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
import { invalidRequest, StripeApiError, stripeErrors } from './errors.js';
import { previousAttributes } from './events.js';
import type { FormObject } from './form.js';
import { addLine, finalize, includePendingItems, newInvoice, payInvoice } from './invoicing.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCustomer, type StripeSubscription } from './objects.js';
import { mergeMetadata, type Args, type ParamKind } from './params.js';
import type { Call, Route } from './router.js';
import { updateSubscription } from './subscription-changes.js';
import { addInterval, checkDefaultMethod, itemAmount, newItem, productName, quantityOf, recurringPrice } from './subscription-items.js';

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

/**
 * Routes: `/v1/subscriptions…`.
 *
 * @example
 * subscriptionRoutes(route, ctx); // POST /v1/subscriptions customer=cus_1&items[0][price]=price_1&trial_period_days=14
 */
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
    } catch (err) {
      // error_if_incomplete: the payment failed, so there is no subscription.
      store.delete(sub.id);
      throw err;
    } finally {
      ctx.creating.delete(sub.id);
    }
    call.emit('customer.subscription.created', sub);
    return sub;
  });

  route('GET', '/v1/subscriptions/:id', { params: {} }, (call) => find(call.path.id!));

  route('POST', '/v1/subscriptions/:id', { params: { ...SHARED, cancel_at: 'string', proration_date: 'integer', cancellation_details: 'hash' }, enums: ENUMS }, (call) => {
    const sub = find(call.path.id!);
    if (sub.status === 'canceled') throw invalidRequest('resource_missing', `A canceled subscription can only update its cancellation_details and metadata.`);
    const before = structuredClone(sub);
    updateSubscription(ctx, sub, call);
    const previous = previousAttributes(before, sub);
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

  route('GET', '/v1/subscription_items', { params: { ...LIST_PARAMS, subscription: 'string' }, required: ['subscription'] }, (call) => {
    const sub = find(call.args.str('subscription')!);
    return listPage(sub.items.data, call.args, `/v1/subscription_items`);
  });
  route('GET', '/v1/subscription_items/:id', { params: {} }, (call) => {
    for (const sub of store.all<StripeSubscription>('subscription')) {
      const item = sub.items.data.find((i) => i.id === call.path.id);
      if (item) return item;
    }
    throw stripeErrors.noSuch('subscription item', call.path.id!);
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

