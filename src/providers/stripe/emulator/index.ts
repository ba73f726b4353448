/**
 * The Stripe sandbox: Stripe's `/v1` wire format (form-encoded requests, JSON answers, Stripe's
 * error shapes and headers, idempotent requests, `expand[]`, list pagination) for customers,
 * PaymentMethods and test tokens, PaymentIntents, refunds, products, prices, subscriptions,
 * invoices and events; signed webhooks (`Stripe-Signature`) back to the hub; the shared chaos
 * knobs.
 *
 * Steering outcomes: the card test tokens (`pm_card_visa`, `pm_card_chargeDeclined`,
 * `pm_card_chargeDeclinedInsufficientFunds`, `pm_card_authenticationRequired`, their `tok_…`
 * forms; see `payment-methods.ts`); `POST /__emulator/payment_intents/:id/authenticate`
 * `{"outcome":"succeed"|"fail"}` ends 3-D Secure (or the page at `next_action.redirect_to_url.url`);
 * `POST /__emulator/disputes` `{"payment_intent":"pi_…"}` opens a dispute; `POST
 * /__emulator/subscriptions/:id/advance` ends a billing period (renewal or cancellation); `GET|POST
 * /__emulator/chaos` reads or sets the chaos knobs; `GET /__emulator/events` lists every event.
 *
 * @see https://docs.stripe.com/api
 * @see https://docs.stripe.com/testing
 */
import { randomBytes } from 'node:crypto';
import { createEmulatorApp, listenLoopback, WebhookPoster, webhookControls } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { catalogRoutes } from './catalog.js';
import type { EmulatorContext } from './context.js';
import { controlRoutes, eventRoutes } from './controls.js';
import { customerRoutes } from './customers.js';
import { StripeEventSender, type StripeEvent } from './events.js';
import { IdempotencyStore } from './idempotency.js';
import { followIntents } from './invoicing.js';
import { invoiceRoutes } from './invoices.js';
import { stripeId, StripeStore, type StripePaymentIntent } from './objects.js';
import { paymentIntentRoutes } from './payment-intents.js';
import { paymentMethodRoutes } from './payment-method-routes.js';
import { PaymentMethods } from './payment-methods.js';
import { refundRoutes } from './refunds.js';
import { createRouter } from './router.js';
import { subscriptionRoutes } from './subscriptions.js';

export type { StripeEvent } from './events.js';
export type { StripeObject, StripePaymentIntent, StripeStore } from './objects.js';
export { parseStripeForm } from './form.js';

export interface StripeEmulatorOptions extends EmulatorOptions {
  /** Test hook: how long each `/v1` request takes inside its idempotency window (default 0). */
  processingDelayMs?: number;
}

/** The running Stripe emulator. */
export interface StripeEmulator extends Emulator {
  readonly credentials: { secretKey: string; publishableKey: string };
  /** The endpoint signing secret (`whsec_…`) its webhooks are signed with. */
  readonly webhookSecret: string;
  /** PaymentIntents created, newest last. */
  readonly accepted: StripePaymentIntent[];
  /** Every object it keeps (customers, PaymentIntents, charges, …), by id. */
  readonly store: StripeStore;
  /** Every event emitted, oldest first (posted or not). */
  readonly events: StripeEvent[];
  drainWebhooks(): Promise<void>;
}

/**
 * Starts the Stripe emulator on a loopback port with fresh keys and signing secret.
 *
 * @example
 * const emulator = await startStripeEmulator();
 * const stripe = new Stripe(emulator.credentials.secretKey, { host: '127.0.0.1', port: new URL(emulator.url).port, protocol: 'http' });
 * emulator.setWebhookTarget('http://127.0.0.1:3000/webhooks/stripe');
 */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const suffix = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
  const secretKey = `sk_test_51Emu${suffix}`;
  const publishableKey = `pk_test_51Emu${suffix}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const poster = new WebhookPoster(options.eventDelayMs ?? 50);
  const events = new StripeEventSender(webhookSecret, poster);
  const store = new StripeStore();
  let url = '';
  const ctx: EmulatorContext = { store, methods: new PaymentMethods(store), accepted: [], baseUrl: () => url, onIntentSettled: [], creating: new Set() };
  followIntents(ctx);

  const withRequestId = <T>(reply: { header(k: string, v: string): T }) => reply.header('request-id', stripeId('req', 14));
  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => withRequestId(reply).code(500).send({ error: { type: 'api_error', message: "Sorry, something went wrong on Stripe's end (emulated server error)." } }),
    rateLimited: (reply) =>
      withRequestId(reply).send({
        error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.', doc_url: 'https://stripe.com/docs/error-codes/rate-limit' },
      }),
  });
  const route = createRouter({ app, secretKey, publishableKey, store, events, idempotency: new IdempotencyStore(), chaos, processingDelayMs: options.processingDelayMs });
  customerRoutes(route, ctx);
  paymentMethodRoutes(route, ctx);
  paymentIntentRoutes(route, ctx);
  refundRoutes(route, ctx);
  catalogRoutes(route, ctx);
  subscriptionRoutes(route, ctx);
  invoiceRoutes(route, ctx);
  eventRoutes(route, events);
  controlRoutes(app, ctx, events);

  url = await listenLoopback(app, options.port);
  return {
    url,
    credentials: { secretKey, publishableKey },
    webhookSecret,
    chaos,
    accepted: ctx.accepted,
    store,
    events: events.sent,
    ...webhookControls(poster, app),
    drainWebhooks: () => poster.drain(),
  };
}
