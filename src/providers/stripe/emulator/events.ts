/**
 * Stripe events the emulator posts to the hub: `{ id: 'evt_…', object: 'event', type, created,
 * data: { object }, livemode: false, api_version, … }`, signed with `Stripe-Signature`
 * (`t=…,v1=…`) by the same HMAC the hub verifies.
 *
 * @see https://docs.stripe.com/api/events/object
 * @see https://docs.stripe.com/webhooks#verify-manually
 */
import type { WebhookPoster } from '../../emulator-kit.js';
import { stripeSignature } from '../webhooks.js';
import { nowSec, stripeId } from './objects.js';

/** The API version the emulator reports when a request names none. */
export const EMULATOR_API_VERSION = '2025-09-30.clover';

/**
 * The top-level fields of `before` that differ in `after`: an `*.updated` event's
 * `data.previous_attributes`.
 *
 * @example
 * previousAttributes({ name: 'A', email: 'a@x' }, { name: 'B', email: 'a@x' }) // { name: 'A' }
 */
export function previousAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(before)) if (JSON.stringify(v) !== JSON.stringify(after[k])) out[k] = v;
  return out;
}

/** One Stripe event as delivered. */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** Where an event came from: the request id and idempotency key Stripe echoes in `request`. */
export interface EventOrigin {
  requestId?: string;
  idempotencyKey?: string;
  apiVersion?: string;
}

/**
 * Builds, records and posts signed events.
 *
 * @example
 * const events = new StripeEventSender('whsec_…', poster);
 * events.emit('payment_intent.succeeded', pi, { requestId: 'req_1' });
 */
export class StripeEventSender {
  /** Every event emitted, newest last (whether or not a target was set). */
  readonly sent: StripeEvent[] = [];

  constructor(
    private readonly secret: string,
    private readonly poster: WebhookPoster,
  ) {}

  /** Records `type` with a snapshot of `object` and posts it signed if a target is set. */
  emit(type: string, object: unknown, origin: EventOrigin = {}, previous?: Record<string, unknown>): StripeEvent {
    const event: StripeEvent = {
      id: stripeId('evt'),
      object: 'event',
      api_version: origin.apiVersion ?? EMULATOR_API_VERSION,
      created: nowSec(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: structuredClone(previous) } : {}) },
      livemode: false,
      pending_webhooks: this.poster.target ? 1 : 0,
      request: { id: origin.requestId ?? null, idempotency_key: origin.idempotencyKey ?? null },
      type,
    };
    this.sent.push(event);
    const body = JSON.stringify(event);
    this.poster.post(body, {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': this.signatureHeader(body),
    });
    return event;
  }

  /** The event with `id`, or undefined. */
  get(id: string): StripeEvent | undefined {
    return this.sent.find((e) => e.id === id);
  }

  /** `t=<now>,v1=<hex>` for `body`, as Stripe sends it. */
  signatureHeader(body: string, timestamp = nowSec()): string {
    return `t=${timestamp},v1=${stripeSignature(this.secret, timestamp, Buffer.from(body, 'utf8'))}`;
  }
}
