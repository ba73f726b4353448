/**
 * Subscription items and billing periods: recurring prices in the subscription's currency,
 * quantities, period arithmetic (calendar months and years, UTC), the default PaymentMethod
 * check.
 *
 * @see https://docs.stripe.com/api/subscription_items/object
 */
import type { EmulatorContext } from './context.js';
import { invalidRequest, stripeErrors } from './errors.js';
import type { FormObject } from './form.js';
import { nowSec, stripeId, type StripeCustomer, type StripePrice, type StripeSubscription, type StripeSubscriptionItem } from './objects.js';

/** `start` plus `count` intervals, calendar-aware for months and years (UTC). */
export function addInterval(start: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * 86_400;
  if (interval === 'week') return start + count * 7 * 86_400;
  const d = new Date(start * 1000);
  if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

export const productName = (ctx: EmulatorContext, price: StripePrice) => String(ctx.store.get(price.product)?.name ?? price.product);
export const itemAmount = (item: StripeSubscriptionItem) => (item.price.unit_amount ?? 0) * item.quantity;

/** A recurring price in the subscription's currency, or Stripe's 400. */
export function recurringPrice(ctx: EmulatorContext, id: unknown, index: number, currency?: string): StripePrice {
  if (typeof id !== 'string') throw stripeErrors.missing(`items[${index}][price]`);
  const price = ctx.store.find<StripePrice>('price', id, `items[${index}][price]`);
  if (!price.recurring) throw invalidRequest('parameter_invalid', 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `items[${index}][price]`);
  if (currency && price.currency !== currency) throw invalidRequest('parameter_invalid', `The price's currency (${price.currency}) must match the subscription's currency (${currency}).`, `items[${index}][price]`);
  return price;
}

export function quantityOf(entry: FormObject, index: number): number | undefined {
  if (entry.quantity === undefined) return undefined;
  if (typeof entry.quantity !== 'string' || !/^\d+$/.test(entry.quantity)) throw stripeErrors.invalidInteger(`items[${index}][quantity]`, entry.quantity);
  return Number(entry.quantity);
}

export function newItem(sub: StripeSubscription, price: StripePrice, quantity: number, metadata: unknown): StripeSubscriptionItem {
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
export function checkDefaultMethod(ctx: EmulatorContext, customer: StripeCustomer, id: string | undefined): string | null {
  if (!id) return null;
  const pm = ctx.methods.resolve(id, 'default_payment_method');
  if (pm.customer !== customer.id) {
    throw invalidRequest('resource_missing', `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, 'default_payment_method');
  }
  return pm.id;
}

