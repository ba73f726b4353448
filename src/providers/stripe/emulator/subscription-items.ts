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

/**
 * `start` plus `count` intervals, calendar-aware for months and years (UTC); a day the target
 * month lacks becomes its last day, as Stripe's billing anchors do.
 *
 * @example
 * addInterval(Date.UTC(2025, 0, 31) / 1000, 'month', 1) // 2025-02-28T00:00:00Z
 */
export function addInterval(start: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * 86_400;
  if (interval === 'week') return start + count * 7 * 86_400;
  const d = new Date(start * 1000);
  const months = interval === 'month' ? count : count * 12;
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

/**
 * The name of a price's product (line descriptions).
 *
 * @example
 * productName(ctx, price) // 'Pro plan'
 */
export const productName = (ctx: EmulatorContext, price: StripePrice) => String(ctx.store.get(price.product)?.name ?? price.product);
/**
 * What one subscription item costs per period.
 *
 * @example
 * itemAmount(item) // unit_amount × quantity
 */
export const itemAmount = (item: StripeSubscriptionItem) => (item.price.unit_amount ?? 0) * item.quantity;

/**
 * A recurring price in the subscription's currency, or Stripe's 400.
 *
 * @example
 * recurringPrice(ctx, 'price_123', 0, 'usd')
 */
export function recurringPrice(ctx: EmulatorContext, id: unknown, index: number, currency?: string): StripePrice {
  if (typeof id !== 'string') throw stripeErrors.missing(`items[${index}][price]`);
  const price = ctx.store.find<StripePrice>('price', id, `items[${index}][price]`);
  if (!price.recurring) throw invalidRequest('parameter_invalid', 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `items[${index}][price]`);
  if (currency && price.currency !== currency) throw invalidRequest('parameter_invalid', `The price's currency (${price.currency}) must match the subscription's currency (${currency}).`, `items[${index}][price]`);
  return price;
}

/**
 * @example
 * quantityOf({ price: 'price_1', quantity: '3' }, 0) // 3
 */
export function quantityOf(entry: FormObject, index: number): number | undefined {
  if (entry.quantity === undefined) return undefined;
  if (typeof entry.quantity !== 'string' || !/^\d+$/.test(entry.quantity)) throw stripeErrors.invalidInteger(`items[${index}][quantity]`, entry.quantity);
  return Number(entry.quantity);
}

/**
 * @example
 * sub.items.data.push(newItem(sub, price, 2, undefined));
 */
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

/**
 * The subscription's default PaymentMethod, checked to belong to its customer.
 *
 * @example
 * checkDefaultMethod(ctx, customer, 'pm_123') // 'pm_123', or the 400 when not attached to customer
 */
export function checkDefaultMethod(ctx: EmulatorContext, customer: StripeCustomer, id: string | undefined): string | null {
  if (!id) return null;
  const pm = ctx.methods.resolve(id, 'default_payment_method');
  if (pm.customer !== customer.id) {
    throw invalidRequest('resource_missing', `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, 'default_payment_method');
  }
  return pm.id;
}

