/**
 * PaymentMethods and Stripe's test tokens. A token such as `pm_card_visa` is usable wherever a
 * PaymentMethod id is; each use makes a new `pm_…` object carrying the token's card, and the
 * token decides what a charge on it does: succeed, decline (with Stripe's decline codes) or ask
 * for 3-D Secure. The routes are in `payment-method-routes.ts`.
 *
 * @see https://docs.stripe.com/testing#cards (the `pm_card_*` tokens)
 * @see https://docs.stripe.com/api/payment_methods
 */
import { randomBytes } from 'node:crypto';
import { nowSec, stripeId, type CardDetails, type StripePaymentMethod, type StripeStore } from './objects.js';

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
