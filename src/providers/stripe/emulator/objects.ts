/**
 * The Stripe objects the emulator keeps, shaped as Stripe answers them (the fields connectors
 * read, plus those Stripe's OpenAPI description requires), their ids, and the store.
 *
 * @see https://docs.stripe.com/api/payment_intents/object
 * @see https://docs.stripe.com/api/charges/object
 * @see https://docs.stripe.com/api/subscriptions/object
 * @see https://docs.stripe.com/api/invoices/object
 */
import { randomFillSync } from 'node:crypto';
import { stripeErrors } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bytes at or above this are skipped, so each character is uniform (248 = 4 × 62). */
const UNBIASED = 256 - (256 % ALPHABET.length);
/** Random bytes drawn 4 KiB at a time (randomInt per character was ~2% of the emulator's CPU). */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

/**
 * A Stripe-looking id: prefix, underscore, 24 alphanumerics.
 *
 * @example
 * stripeId('pi') // 'pi_3PqR…'
 */
export function stripeId(prefix: string, length = 24): string {
  let out = '';
  while (out.length < length) {
    if (poolAt >= pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const b = pool[poolAt++]!;
    if (b < UNBIASED) out += ALPHABET[b % ALPHABET.length];
  }
  return `${prefix}_${out}`;
}

/** Seconds since the epoch, as Stripe's `created`. */
export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Any stored object: an id and the `object` type name, plus its fields. */
export interface StripeObject {
  id: string;
  object: string;
  [field: string]: unknown;
}

/** A card PaymentMethod's `card` hash. */
export interface CardDetails {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: string;
  country: string;
  [field: string]: unknown;
}

export interface StripeCustomer extends StripeObject {
  object: 'customer';
  email: string | null;
  metadata: Record<string, string>;
  invoice_settings: { default_payment_method: string | null; [field: string]: unknown };
}

export interface StripePaymentMethod extends StripeObject {
  object: 'payment_method';
  customer: string | null;
  card: CardDetails;
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface StripePaymentIntent extends StripeObject {
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  currency: string;
  customer: string | null;
  latest_charge: string | null;
  metadata: Record<string, string>;
  payment_method: string | null;
  status: PaymentIntentStatus;
  last_payment_error: Record<string, unknown> | null;
  next_action: Record<string, unknown> | null;
  /** Set by the emulator for confirmations with `off_session`. */
  setup_future_usage: string | null;
}

export interface StripeCharge extends StripeObject {
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  currency: string;
  refunded: boolean;
  disputed: boolean;
  payment_intent: string;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface StripePrice extends StripeObject {
  object: 'price';
  currency: string;
  product: string;
  unit_amount: number | null;
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number; usage_type: string; [field: string]: unknown } | null;
}

export interface StripeSubscriptionItem extends StripeObject {
  object: 'subscription_item';
  price: StripePrice;
  quantity: number;
  subscription: string;
  current_period_start: number;
  current_period_end: number;
}

export interface StripeSubscription extends StripeObject {
  object: 'subscription';
  customer: string;
  status: 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';
  items: { object: 'list'; data: StripeSubscriptionItem[]; has_more: false; url: string; total_count: number };
  default_payment_method: string | null;
  current_period_start: number;
  current_period_end: number;
  cancel_at_period_end: boolean;
  latest_invoice: string | null;
  metadata: Record<string, string>;
}

export interface StripeLineItem extends StripeObject {
  object: 'line_item';
  amount: number;
}

export interface StripeInvoice extends StripeObject {
  object: 'invoice';
  customer: string;
  currency: string;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  collection_method: 'charge_automatically' | 'send_invoice';
  lines: { object: 'list'; data: StripeLineItem[]; has_more: false; url: string; total_count: number };
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  subscription: string | null;
  payment_intent: string | null;
  default_payment_method: string | null;
  status_transitions: { finalized_at: number | null; marked_uncollectible_at: number | null; paid_at: number | null; voided_at: number | null };
}

/**
 * Everything the emulator keeps, by id, in creation order (lists walk it newest first).
 *
 * @example
 * const cus = store.find<StripeCustomer>('customer', 'cus_123'); // or throws Stripe's 404
 */
export class StripeStore {
  private readonly byId = new Map<string, StripeObject>();

  put<T extends StripeObject>(obj: T): T {
    this.byId.set(obj.id, obj);
    return obj;
  }

  get<T extends StripeObject>(id: string): T | undefined {
    return this.byId.get(id) as T | undefined;
  }

  /** The object of type `object` with `id`, or Stripe's `resource_missing` (404). */
  find<T extends StripeObject>(object: string, id: string, param?: string): T {
    const found = this.byId.get(id);
    if (!found || found.object !== object || found.deleted === true) throw stripeErrors.noSuch(LABELS[object] ?? object, id, param);
    return found as T;
  }

  /** Objects of one type, oldest first, optionally filtered. */
  all<T extends StripeObject>(object: string, filter: (obj: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (const obj of this.byId.values()) if (obj.object === object && obj.deleted !== true && filter(obj as T)) out.push(obj as T);
    return out;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}

/** How Stripe names each type in "No such …" messages. */
const LABELS: Record<string, string> = {
  customer: 'customer',
  payment_intent: 'payment_intent',
  payment_method: 'PaymentMethod',
  charge: 'charge',
  refund: 'refund',
  product: 'product',
  price: 'price',
  subscription: 'subscription',
  subscription_item: 'subscription item',
  invoice: 'invoice',
  invoiceitem: 'invoiceitem',
  event: 'event',
};
