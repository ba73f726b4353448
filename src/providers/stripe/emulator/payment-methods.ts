/**
 * PaymentMethods and Stripe's test tokens. A token such as `pm_card_visa` is usable wherever a
 * PaymentMethod id is; each use makes a new `pm_…` object carrying the token's card, and the
 * token decides what a charge on it does: succeed, decline (with Stripe's decline codes) or ask
 * for 3-D Secure. Routes: retrieve, update, attach, detach, and both list forms.
 *
 * @see https://docs.stripe.com/testing#cards (the `pm_card_*` tokens)
 * @see https://docs.stripe.com/api/payment_methods
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { invalidRequest } from './errors.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type CardDetails, type StripeCustomer, type StripePaymentMethod, type StripeStore } from './objects.js';
import { mergeMetadata } from './params.js';
import type { Route } from './router.js';

/** What a charge on a card does. */
export type CardBehavior =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: string; declineCode: string; message: string }
  | { kind: 'authenticate' };

const ok = { kind: 'succeed' } as const;
const decline = (code: string, declineCode: string, message: string): CardBehavior => ({ kind: 'decline', code, declineCode, message });

/** The test tokens the emulator knows: brand, last4, funding, behaviour. */
const TOKENS: Record<string, [string, string, string, CardBehavior]> = {
  pm_card_visa: ['visa', '4242', 'credit', ok],
  pm_card_visa_debit: ['visa', '5556', 'debit', ok],
  pm_card_mastercard: ['mastercard', '4444', 'credit', ok],
  pm_card_amex: ['amex', '8431', 'credit', ok],
  pm_card_chargeDeclined: ['visa', '0002', 'credit', decline('card_declined', 'generic_decline', 'Your card was declined.')],
  pm_card_visa_chargeDeclined: ['visa', '0002', 'credit', decline('card_declined', 'generic_decline', 'Your card was declined.')],
  pm_card_chargeDeclinedInsufficientFunds: ['visa', '9995', 'credit', decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.')],
  pm_card_visa_chargeDeclinedInsufficientFunds: ['visa', '9995', 'credit', decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.')],
  pm_card_chargeDeclinedLostCard: ['visa', '9987', 'credit', decline('card_declined', 'lost_card', 'Your card was declined.')],
  pm_card_chargeDeclinedStolenCard: ['visa', '9979', 'credit', decline('card_declined', 'stolen_card', 'Your card was declined.')],
  pm_card_chargeDeclinedFraudulent: ['visa', '0019', 'credit', decline('card_declined', 'fraudulent', 'Your card was declined.')],
  pm_card_chargeDeclinedProcessingError: ['visa', '0119', 'credit', decline('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.')],
  pm_card_chargeDeclinedExpiredCard: ['visa', '0069', 'credit', decline('expired_card', 'expired_card', 'Your card has expired.')],
  pm_card_chargeDeclinedIncorrectCvc: ['visa', '0127', 'credit', decline('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect.")],
  pm_card_authenticationRequired: ['visa', '3184', 'credit', { kind: 'authenticate' }],
  pm_card_threeDSecure2Required: ['visa', '3220', 'credit', { kind: 'authenticate' }],
};

const emptyBillingDetails = () => ({
  address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
  email: null,
  name: null,
  phone: null,
});

/**
 * The emulator's PaymentMethods: materializes test tokens and remembers each card's behaviour.
 *
 * @example
 * const pm = methods.resolve('pm_card_chargeDeclined', 'payment_method'); // a new pm_… object
 * methods.behavior(pm.id); // { kind: 'decline', code: 'card_declined', declineCode: 'generic_decline', … }
 */
export class PaymentMethods {
  private readonly behaviors = new Map<string, CardBehavior>();

  constructor(private readonly store: StripeStore) {}

  /** The stored PaymentMethod `id`, or a new one made from the test token `id`; 404 otherwise. */
  resolve(id: string, param = 'payment_method'): StripePaymentMethod {
    const token = TOKENS[id];
    if (!token && id.startsWith('tok_') && TOKENS[`pm_card_${id.slice(4)}`]) return this.resolve(`pm_card_${id.slice(4)}`, param);
    if (!token) return this.store.find<StripePaymentMethod>('payment_method', id, param);
    const [brand, last4, funding, behavior] = token;
    const card: CardDetails = {
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: randomBytes(8).toString('base64url'),
      funding,
      generated_from: null,
      last4,
      networks: { available: [brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    };
    const pm: StripePaymentMethod = {
      id: stripeId('pm'),
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: emptyBillingDetails(),
      card,
      created: nowSec(),
      customer: null,
      livemode: false,
      metadata: {},
      type: 'card',
    };
    this.behaviors.set(pm.id, behavior);
    return this.store.put(pm);
  }

  behavior(pmId: string): CardBehavior {
    return this.behaviors.get(pmId) ?? ok;
  }
}

/**
 * Routes: `/v1/payment_methods/…` and `GET /v1/customers/:id/payment_methods`.
 *
 * @example
 * paymentMethodRoutes(route, ctx); // POST /v1/payment_methods/pm_card_visa/attach customer=cus_123
 */
export function paymentMethodRoutes(route: Route, ctx: EmulatorContext): void {
  const { store, methods } = ctx;
  // Only card tokens: `type=card&card[token]=tok_visa` (the card-token test values).
  route('POST', '/v1/payment_methods', { params: { type: 'string', card: 'hash', billing_details: 'hash', metadata: 'metadata', allow_redirects: 'string' }, required: ['type'], enums: { type: ['card'] } }, (call) => {
    const token = call.args.hash('card')?.token;
    if (typeof token !== 'string') {
      throw invalidRequest('parameter_missing', 'The emulator makes card PaymentMethods from test tokens only: pass card[token]=tok_visa (or another tok_… test token).', 'card[token]', 400, false);
    }
    const pm = methods.resolve(token, 'card[token]');
    pm.metadata = mergeMetadata({}, call.args.meta());
    const billing = call.args.hash('billing_details');
    if (billing) pm.billing_details = { ...(pm.billing_details as object), ...billing };
    return pm;
  });
  route('GET', '/v1/payment_methods/:id', { params: {} }, (call) => methods.resolve(call.path.id!, 'payment_method'));
  route('POST', '/v1/payment_methods/:id', { params: { metadata: 'metadata', billing_details: 'hash', allow_redisplay: 'string' } }, (call) => {
    const pm = methods.resolve(call.path.id!);
    pm.metadata = mergeMetadata(pm.metadata as Record<string, string>, call.args.meta());
    if (call.args.has('allow_redisplay')) pm.allow_redisplay = call.args.str('allow_redisplay');
    const billing = call.args.hash('billing_details');
    if (billing) pm.billing_details = { ...(pm.billing_details as object), ...billing };
    call.emit('payment_method.updated', pm);
    return pm;
  });

  route('POST', '/v1/payment_methods/:id/attach', { params: { customer: 'string' }, required: ['customer'] }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.args.str('customer')!, 'customer');
    const pm = methods.resolve(call.path.id!);
    if (pm.customer !== null && pm.customer !== customer.id) {
      throw invalidRequest('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.');
    }
    if (pm.customer === null) {
      pm.customer = customer.id;
      call.emit('payment_method.attached', pm);
    }
    return pm;
  });

  route('POST', '/v1/payment_methods/:id/detach', { params: {} }, (call) => {
    const pm = store.find<StripePaymentMethod>('payment_method', call.path.id!);
    if (pm.customer === null) {
      throw invalidRequest('payment_method_unexpected_state', 'The payment method you provided is not attached to a customer so detachment is impossible.');
    }
    const customer = store.get<StripeCustomer>(pm.customer);
    if (customer?.invoice_settings.default_payment_method === pm.id) {
      customer.invoice_settings.default_payment_method = null;
      call.emit('customer.updated', customer, { invoice_settings: { default_payment_method: pm.id } });
    }
    pm.customer = null;
    call.emit('payment_method.detached', pm, { customer: customer?.id ?? null });
    return pm;
  });

  const listFor = (customerId: string | undefined, type: string | undefined) =>
    store.all<StripePaymentMethod>('payment_method', (pm) => (customerId === undefined ? pm.customer !== null : pm.customer === customerId) && (type === undefined || pm.type === type));

  route('GET', '/v1/payment_methods', { params: { ...LIST_PARAMS, customer: 'string', type: 'string' } }, (call) => {
    const customer = call.args.str('customer');
    if (customer !== undefined) store.find('customer', customer, 'customer');
    return listPage(listFor(customer, call.args.str('type')), call.args, '/v1/payment_methods');
  });
  route('GET', '/v1/customers/:id/payment_methods', { params: { ...LIST_PARAMS, type: 'string', allow_redisplay: 'string' } }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.path.id!);
    return listPage(listFor(customer.id, call.args.str('type')), call.args, `/v1/customers/${customer.id}/payment_methods`);
  });
}
