/**
 * Subscription updates: items (a new price or quantity, added or deleted items) with prorations
 * for the rest of the period — pending invoice items (`create_prorations`), invoiced and paid at
 * once (`always_invoice`) or none — cancellation at period end, and plain fields.
 *
 * @see https://docs.stripe.com/api/subscriptions/update
 * @see https://docs.stripe.com/billing/subscriptions/prorations
 */
import type { EmulatorContext } from './context.js';
import { stripeErrors } from './errors.js';
import type { FormObject } from './form.js';
import { finalize, includePendingItems, newInvoice, payInvoice } from './invoicing.js';
import { nowSec, stripeId, type StripeCustomer, type StripeObject, type StripePrice, type StripeSubscription } from './objects.js';
import { mergeMetadata } from './params.js';
import type { Call } from './router.js';
import { checkDefaultMethod, itemAmount, newItem, productName, quantityOf, recurringPrice } from './subscription-items.js';

/**
 * Applies an update: items (price, quantity, new, deleted) with prorations, cancellation at period end, fields.
 *
 * @example
 * updateSubscription(ctx, sub, call); // items[0][id]=si_1&items[0][price]=price_2&proration_behavior=always_invoice
 */
export function updateSubscription(ctx: EmulatorContext, sub: StripeSubscription, call: Call): void {
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
    const given = args.hash('cancellation_details');
    sub.cancellation_details = { comment: atEnd ? (given?.comment ?? null) : null, feedback: atEnd ? (given?.feedback ?? null) : null, reason: atEnd ? 'cancellation_requested' : null };
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
