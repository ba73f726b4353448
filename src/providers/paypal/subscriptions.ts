/**
 * PayPal subscriptions (Billing v1): a subscription to a billing plan (`P-…`) the subscriber
 * approves on PayPal (`approvalUrl`), revised to another plan, canceled at once.
 *
 * PayPal's surprises: trials belong to the plan (`billing_cycles` with `tenure_type: TRIAL`), not
 * to the subscription; there is no cancel-at-period-end; a revision to a plan of another price
 * needs the subscriber's approval again (the revise answer carries a new `approve` link).
 *
 * @see https://developer.paypal.com/docs/api/subscriptions/v1/
 */
import { PAYMENT_HUB_ID_FIELD, type PaymentsProvider, type Subscription, type SubscriptionStatus } from '../../categories/payments/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { PaypalCredentials } from './manifest.js';
import type { PaypalCall } from './paypal-json.js';
import { linkOf, str, unsupported, type Json } from './paypal-json.js';

const STATUS: Record<string, SubscriptionStatus> = {
  APPROVAL_PENDING: 'approval_pending',
  APPROVED: 'incomplete',
  ACTIVE: 'active',
  SUSPENDED: 'paused',
  CANCELLED: 'canceled',
  EXPIRED: 'canceled',
};

/**
 * A Billing v1 subscription → the hub's Subscription.
 *
 * @example
 * paypalSubscription({ id: 'I-BW452GLLEP1G', status: 'APPROVAL_PENDING', plan_id: 'P-5ML4271244454362WXNWU5NQ', links: [{ rel: 'approve', href: 'https://…' }] })
 * // { id: 'I-BW452GLLEP1G', status: 'approval_pending', priceId: 'P-5ML…', approvalUrl: 'https://…', cancelAtPeriodEnd: false, … }
 */
export function paypalSubscription(sub: Json, approvalUrl?: string): Subscription {
  const status = STATUS[String(sub.status)] ?? 'incomplete';
  const hubId = str(sub.custom_id);
  const quantity = Number(sub.quantity);
  const billing = (sub.billing_info ?? {}) as Json;
  const result: Subscription = {
    provider: 'paypal',
    id: String(sub.id),
    status,
    priceId: String(sub.plan_id ?? ''),
    cancelAtPeriodEnd: false,
    metadata: hubId ? { [PAYMENT_HUB_ID_FIELD]: hubId } : {},
    raw: sub,
  };
  if (Number.isSafeInteger(quantity) && quantity > 0) result.quantity = quantity;
  const next = str(billing.next_billing_time);
  if (next) result.currentPeriodEnd = next;
  if (status === 'canceled') {
    const when = str(sub.status_update_time);
    if (when) result.canceledAt = when;
  }
  const approve = approvalUrl ?? (status === 'approval_pending' ? linkOf(sub, 'approve') : undefined);
  if (approve) result.approvalUrl = approve;
  return result;
}

type SubscriptionMethods = Pick<PaymentsProvider, 'createSubscription' | 'getSubscription' | 'changeSubscriptionPrice' | 'cancelSubscription'>;

/**
 * The subscription half of the PayPal connector (spread into `paypalPayments`).
 *
 * @example
 * const sub = await createPaypalSubscriptions(ctx, call).createSubscription({ priceId: 'P-5ML…', subscriberEmail: 'a@x.io', returnUrl: 'https://…', hubId: 'sub_1' }, { idempotencyKey: 'k' });
 */
export function createPaypalSubscriptions(_ctx: ProviderContext<PaypalCredentials>, call: PaypalCall): SubscriptionMethods {
  const path = (id: string) => `/v1/billing/subscriptions/${encodeURIComponent(id)}`;
  const get = async (id: string, signal?: AbortSignal) => paypalSubscription(await call('GET', path(id), 'subscriptions.get', { signal }));
  return {
    async createSubscription(input, options) {
      if (input.trialDays !== undefined) throw unsupported('trialDays', 'a PayPal trial is part of the billing plan: create a plan whose billing_cycles start with a TRIAL cycle.');
      if (input.customerId || input.defaultPaymentMethodId) throw unsupported('customerId / defaultPaymentMethodId on subscriptions', 'pass subscriberEmail; the subscriber approves at approvalUrl.');
      const body: Json = { plan_id: input.priceId, custom_id: input.hubId };
      if (input.quantity !== undefined) body.quantity = String(input.quantity);
      if (input.subscriberEmail) body.subscriber = { email_address: input.subscriberEmail };
      if (input.returnUrl) {
        body.application_context = { return_url: input.returnUrl, cancel_url: input.cancelUrl ?? input.returnUrl, user_action: 'SUBSCRIBE_NOW' };
      }
      const sub = await call('POST', '/v1/billing/subscriptions', 'subscriptions.create', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return paypalSubscription(sub.plan_id ? sub : { ...(await call('GET', path(String(sub.id)), 'subscriptions.get', { signal: options.signal })), links: sub.links });
    },

    getSubscription: (id, options = {}) => get(id, options.signal),

    async changeSubscriptionPrice(id, priceId, options) {
      const revised = await call('POST', `${path(id)}/revise`, 'subscriptions.revise', { body: { plan_id: priceId }, idempotencyKey: options.idempotencyKey, signal: options.signal });
      const sub = await call('GET', path(id), 'subscriptions.get', { signal: options.signal });
      // Until the subscriber approves the revision, GET still shows the old plan.
      return paypalSubscription({ ...sub, plan_id: str(revised.plan_id) ?? priceId }, linkOf(revised, 'approve'));
    },

    async cancelSubscription(id, input, options) {
      if (input.atPeriodEnd) throw unsupported('cancel at period end', 'PayPal cancels at once; call cancel with atPeriodEnd false when the period ends, or suspend the subscription.');
      await call('POST', `${path(id)}/cancel`, 'subscriptions.cancel', { body: { reason: (input.reason ?? 'Canceled by the merchant').slice(0, 128) }, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return get(id, options.signal);
    },
  };
}
