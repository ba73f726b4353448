/**
 * PayPal: the payments connector (Orders v2, Payments v2, Billing v1, Invoicing v2), its webhook
 * handler (offline signature verification, normalization) and its emulator.
 *
 * @see https://developer.paypal.com/api/rest/
 * @example
 * import { paypal } from './providers/paypal/index.js';
 * const emulator = await paypal.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { paypalManifest } from './manifest.js';
import { paypalPayments } from './payments.js';
import { paypalWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/index.js'; // types only: the code loads on first use

export const paypal = defineProvider({
  manifest: paypalManifest,
  payments: paypalPayments,
  webhooks: paypalWebhooks,
  startEmulator: startPaypalEmulator,
});

export { mapPaypalError, paypalErrorBody } from './errors.js';
export { paypalCredentials, paypalManifest, PAYPAL_LIVE_API, PAYPAL_SANDBOX_API, type PaypalCredentials } from './manifest.js';
export { paypalOrderToPayment } from './order-map.js';
export { paypalCaller, paypalPayments, type PaypalCall } from './payments.js';
export { paypalInvoice } from './invoices.js';
export { paypalSubscription } from './subscriptions.js';
export { paypalAccessToken, paypalGrant, paypalRequest, paypalTokens } from './token.js';
export { createPaypalWebhooks, parsePaypalEvents, paypalWebhooks, type PaypalWebhooksOptions } from './webhooks.js';
export { PAYPAL_MAPPED_EVENT_TYPES, paypalEventToInbound } from './webhooks-normalize.js';
export { verifyPaypalWebhook, PAYPAL_HEADERS } from './paypal-webhook.js';
export type { PaypalEmulator } from './emulator/index.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startPaypalEmulator(...args: Parameters<typeof Emulator.startPaypalEmulator>): ReturnType<typeof Emulator.startPaypalEmulator> {
  return (await import('./emulator/index.js')).startPaypalEmulator(...args);
}
