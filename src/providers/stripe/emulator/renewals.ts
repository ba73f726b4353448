/**
 * The end of a billing period, on demand (the emulator has no clock of its own; a test control
 * calls this): a subscription set to cancel at period end is canceled; any other starts its next
 * period with a `subscription_cycle` invoice (its items plus pending items such as prorations),
 * finalized and charged off-session — a declined renewal leaves it `past_due`. A trial ending
 * turns into the first paid period the same way.
 *
 * @see https://docs.stripe.com/billing/subscriptions/overview#subscription-lifecycle
 * @see https://docs.stripe.com/billing/testing/test-clocks (what Stripe offers instead)
 */
import type { EmulatorContext } from './context.js';
import { StripeApiError, stripeErrors } from './errors.js';
import { addLine, finalize, includePendingItems, newInvoice, payInvoice } from './invoicing.js';
import { nowSec, type StripeCustomer, type StripeSubscription } from './objects.js';
import type { Emit } from './router.js';
import { addInterval, itemAmount, productName } from './subscription-items.js';

/**
 * Ends the current period of `sub`.
 *
 * @example
 * renewSubscription(ctx, sub, emit); // sub.current_period_start === the old current_period_end
 */
export function renewSubscription(ctx: EmulatorContext, sub: StripeSubscription, emit: Emit): void {
  if (!['active', 'trialing', 'past_due'].includes(sub.status)) {
    throw stripeErrors.unexpectedState(`Only an active, trialing or past_due subscription has a next period; this one is ${sub.status}.`);
  }
  const previous = { status: sub.status, current_period_start: sub.current_period_start, current_period_end: sub.current_period_end };
  if (sub.cancel_at_period_end) {
    Object.assign(sub, { status: 'canceled', ended_at: sub.current_period_end, canceled_at: sub.canceled_at ?? nowSec() });
    emit('customer.subscription.deleted', sub);
    return;
  }
  const { interval, interval_count } = sub.items.data[0]!.price.recurring!;
  const start = sub.current_period_end;
  const end = addInterval(start, interval, interval_count);
  Object.assign(sub, { current_period_start: start, current_period_end: end });
  for (const item of sub.items.data) Object.assign(item, { current_period_start: start, current_period_end: end });
  if (sub.status === 'trialing') sub.status = 'active';

  const inv = newInvoice(ctx, ctx.store.get<StripeCustomer>(sub.customer)!, {
    currency: sub.currency as string,
    subscription: sub.id,
    billing_reason: 'subscription_cycle',
    collection_method: sub.collection_method as 'charge_automatically',
    period_start: previous.current_period_start,
    period_end: start,
    ...(sub.days_until_due ? { days_until_due: sub.days_until_due } : {}),
  });
  for (const item of sub.items.data) {
    addLine(inv, {
      amount: itemAmount(item),
      description: `${item.quantity} × ${productName(ctx, item.price)}`,
      quantity: item.quantity,
      price: item.price,
      period: { start, end },
      type: 'subscription',
      subscription: sub.id,
      subscriptionItem: item.id,
    });
  }
  includePendingItems(ctx, inv);
  sub.latest_invoice = inv.id;
  emit('invoice.created', inv);
  finalize(ctx, inv, emit);
  if (inv.status === 'open' && sub.collection_method === 'charge_automatically') {
    try {
      payInvoice(ctx, inv, { offSession: true }, emit);
    } catch (err) {
      if (!(err instanceof StripeApiError) || err.status !== 402) throw err;
      sub.status = 'past_due';
    }
  }
  emit('customer.subscription.updated', sub, previous);
}
