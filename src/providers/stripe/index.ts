/**
 * Stripe: the payments connector (PaymentIntents, refunds, customers, payment methods,
 * subscriptions, invoices), its webhook handler (`Stripe-Signature`) and its emulator.
 *
 * @see https://docs.stripe.com/api
 * @example
 * import { stripe } from './providers/stripe/index.js';
 * const emulator = await stripe.startEmulator!();
 * const payments = stripe.payments!(ctx); // ctx.connection.baseUrl = emulator.url
 */
import { defineProvider } from '../../kit/connector.js';
import { stripeManifest } from './manifest.js';
import { stripePayments } from './payments.js';
import { stripeWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/index.js'; // types only: the code loads on first use

export const stripe = defineProvider({
  manifest: stripeManifest,
  payments: stripePayments,
  webhooks: stripeWebhooks,
  startEmulator: startStripeEmulator,
});

export { stripeBilling } from './billing.js';
export { STRIPE_API_VERSION, stripeClient, type StripeCall, type StripeClient } from './client.js';
export { mapStripeError, stripeErrorOf, type StripeErrorObject } from './errors.js';
export { toStripeForm, toStripeQuery, type StripeParam, type StripeParams } from './form.js';
export { stripeCredentials, stripeManifest, type StripeCredentials } from './manifest.js';
export { toCustomer, toInvoice, toPayment, toPaymentMethod, toRefund, toSubscription } from './objects.js';
export { STRIPE_PAYMENTS_CAPABILITIES, stripePayments } from './payments.js';
export { parseStripeSignatureHeader, stripeSignature, stripeWebhooks, verifyStripeWebhook } from './webhooks.js';
export type { StripeEmulator } from './emulator/index.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startStripeEmulator(...args: Parameters<typeof Emulator.startStripeEmulator>): ReturnType<typeof Emulator.startStripeEmulator> {
  return (await import('./emulator/index.js')).startStripeEmulator(...args);
}
