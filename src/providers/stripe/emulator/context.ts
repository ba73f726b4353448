/**
 * What the emulator's resource modules share: the store, the PaymentMethods with their test
 * behaviours, the PaymentIntents accepted so far and the emulator's own base URL (3-D Secure
 * pages, hosted invoice links).
 */
import type { StripePaymentIntent, StripeStore } from './objects.js';
import type { PaymentMethods } from './payment-methods.js';
import type { Emit } from './router.js';

export interface EmulatorContext {
  store: StripeStore;
  methods: PaymentMethods;
  /** PaymentIntents created, newest last (the emulator's `accepted`). */
  accepted: StripePaymentIntent[];
  /** The emulator's base URL, `http://127.0.0.1:<port>`. */
  baseUrl(): string;
  /** Called when a PaymentIntent succeeds or fails (invoices follow their PaymentIntent). */
  onIntentSettled: ((pi: StripePaymentIntent, emit: Emit) => void)[];
  /** Subscriptions being created (their first payment does not emit `customer.subscription.updated`). */
  creating: Set<string>;
}
