/**
 * The `payments` category: provider-agnostic types every payments connector (Stripe, PayPal)
 * implements. Amounts are always integers of minor units with an upper-case ISO 4217 currency
 * (see `money.ts`); connectors convert to the vendor's form (Stripe: minor units, lower-case
 * currency; PayPal: a decimal string). Optional features are declared in `capabilities`; a method
 * a provider does not support throws HubError `capability_unsupported`.
 *
 * Every create carries `idempotencyKey`: the connector passes it to the transport
 * (`HttpRequest.idempotencyKey`), which sends it in the manifest's `idempotencyHeader`
 * (`Idempotency-Key` for Stripe, `PayPal-Request-Id` for PayPal). The service derives it from the
 * caller's `Idempotency-Key`, so a retry from any process reaches the provider with the same key.
 *
 * @see docs/payments.md
 */

/** What a provider supports (`GET /api/v1/payments/capabilities`). */
export type PaymentsCapability =
  | 'customers'
  | 'payment-methods'
  | 'payments'
  /** `captureMethod: 'manual'` then `capturePayment`. */
  | 'manual-capture'
  /** `cancelPayment` before it completes. */
  | 'cancel'
  /** `confirmPayment` with a payment method server-side (Stripe). */
  | 'confirm'
  /** The customer approves on the provider's page (`approvalUrl`), then `capturePayment` (PayPal). */
  | 'approval-redirect'
  | 'refunds'
  | 'partial-refunds'
  | 'subscriptions'
  | 'subscription-trials'
  | 'subscription-change-price'
  | 'subscription-cancel-at-period-end'
  | 'invoices'
  | 'invoice-finalize'
  | 'invoice-send'
  | 'invoice-mark-paid';

/** Per call: the idempotency key for creates, and cancellation. */
export interface CallOptions {
  /** Required on every create/confirm/capture/cancel/refund (the service always supplies one). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * The hub's payment statuses (Stripe PaymentIntent and PayPal order statuses map onto them).
 * `failed`: the last attempt failed; another payment method may still be tried.
 */
export type PaymentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  /** PayPal: created, waiting for the payer to approve at `approvalUrl`. */
  | 'requires_approval'
  /** PayPal: approved by the payer, not captured yet. */
  | 'approved'
  | 'processing'
  | 'requires_capture'
  | 'failed'
  | 'succeeded'
  | 'canceled'
  | 'partially_refunded'
  | 'refunded';

export interface Customer {
  provider: string;
  /** The provider's id (`cus_…`). */
  id: string;
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata: Record<string, string>;
  defaultPaymentMethodId?: string;
  raw: unknown;
}

export interface CustomerInput {
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata?: Record<string, string>;
  /** Sets the customer's default payment method (for subscriptions and invoices). */
  defaultPaymentMethodId?: string;
}

export interface PaymentMethod {
  provider: string;
  /** `pm_…` */
  id: string;
  type: string;
  customerId?: string;
  card?: { brand: string; last4: string; expMonth: number; expYear: number };
  raw: unknown;
}

export interface CreatePaymentInput {
  /** Minor units. */
  amount: number;
  /** ISO 4217, upper-case. */
  currency: string;
  description?: string;
  /** String values only (Stripe's limit); the service adds `switchboard_id`. */
  metadata?: Record<string, string>;
  customerId?: string;
  /** Stripe: confirm at once with this method. */
  paymentMethodId?: string;
  /** `manual`: authorize now, `capturePayment` later. Default `automatic`. */
  captureMethod?: 'automatic' | 'manual';
  /** Where the payer returns after approval or 3-D Secure (PayPal: required for the approval flow). */
  returnUrl?: string;
  cancelUrl?: string;
  receiptEmail?: string;
  /** The hub's own payment id (`pay_…`), for the provider's metadata / custom_id. */
  hubId: string;
}

export interface Payment {
  provider: string;
  /** The provider's id: Stripe PaymentIntent `pi_…`, PayPal order id. */
  id: string;
  status: PaymentStatus;
  /** Minor units. */
  amount: number;
  currency: string;
  /** Minor units captured / received so far. */
  amountReceived?: number;
  amountRefunded?: number;
  customerId?: string;
  paymentMethodId?: string;
  captureMethod?: 'automatic' | 'manual';
  /** Stripe: for the browser (Stripe.js / Elements). */
  clientSecret?: string;
  /** PayPal: where to send the payer to approve. */
  approvalUrl?: string;
  /** What the customer must do (`redirect_to_url`, `use_stripe_sdk`, `approve`) and where. */
  nextAction?: { type: string; url?: string };
  /** Provider ids of captures (PayPal) or charges (Stripe) a refund refers to. */
  captureId?: string;
  /** The last failure: code and the card's decline code. */
  failure?: { code: string; declineCode?: string; message: string };
  description?: string;
  metadata: Record<string, string>;
  raw: unknown;
}

export interface ConfirmPaymentInput {
  paymentMethodId?: string;
  returnUrl?: string;
}

export interface CaptureInput {
  /** Minor units; default the whole authorized amount. */
  amount?: number;
}

export interface RefundInput {
  /** The provider's payment id (PaymentIntent / order). */
  paymentId: string;
  /** Minor units; absent: the whole remaining amount. */
  amount?: number;
  /** The payment's currency (the service knows it; PayPal needs it with an amount). */
  currency?: string;
  reason?: string;
  metadata?: Record<string, string>;
  hubId: string;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface Refund {
  provider: string;
  /** `re_…` / PayPal refund id. */
  id: string;
  paymentId: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  reason?: string;
  raw: unknown;
}

export type SubscriptionStatus = 'incomplete' | 'trialing' | 'active' | 'past_due' | 'paused' | 'canceled' | 'unpaid' | 'approval_pending';

export interface SubscriptionInput {
  customerId?: string;
  /** Stripe `price_…`; PayPal billing plan id `P-…`. */
  priceId: string;
  quantity?: number;
  trialDays?: number;
  defaultPaymentMethodId?: string;
  metadata?: Record<string, string>;
  /** PayPal: the subscriber's email and where they return after approval. */
  subscriberEmail?: string;
  returnUrl?: string;
  cancelUrl?: string;
  hubId: string;
}

export interface Subscription {
  provider: string;
  id: string;
  status: SubscriptionStatus;
  customerId?: string;
  priceId: string;
  quantity?: number;
  /** ISO 8601. */
  currentPeriodEnd?: string;
  trialEnd?: string;
  cancelAtPeriodEnd: boolean;
  canceledAt?: string;
  /** PayPal: where the subscriber approves. */
  approvalUrl?: string;
  metadata: Record<string, string>;
  raw: unknown;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceInput {
  customerId?: string;
  /** PayPal: the recipient (no customer object there). */
  customerEmail?: string;
  currency: string;
  description?: string;
  daysUntilDue?: number;
  metadata?: Record<string, string>;
  items?: InvoiceItemInput[];
  hubId: string;
}

export interface InvoiceItemInput {
  description: string;
  /** Minor units, per unit. */
  unitAmount: number;
  quantity?: number;
}

export interface Invoice {
  provider: string;
  id: string;
  status: InvoiceStatus;
  customerId?: string;
  currency: string;
  /** Minor units. */
  total: number;
  amountDue: number;
  amountPaid: number;
  number?: string;
  hostedUrl?: string;
  items: { description: string; unitAmount: number; quantity: number }[];
  metadata: Record<string, string>;
  raw: unknown;
}

export interface ListOptions {
  customerId?: string;
  limit?: number;
  /** The cursor from the previous page's `next`. */
  after?: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** One payments connector. Unsupported operations throw HubError `capability_unsupported`. */
export interface PaymentsProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<PaymentsCapability>;

  createCustomer(input: CustomerInput, options: CallOptions): Promise<Customer>;
  getCustomer(id: string, options?: CallOptions): Promise<Customer>;
  updateCustomer(id: string, input: CustomerInput, options: CallOptions): Promise<Customer>;

  attachPaymentMethod(customerId: string, paymentMethodId: string, options: CallOptions): Promise<PaymentMethod>;
  listPaymentMethods(customerId: string, options?: CallOptions): Promise<PaymentMethod[]>;
  detachPaymentMethod(paymentMethodId: string, options: CallOptions): Promise<PaymentMethod>;

  /**
   * Stripe: a PaymentIntent (confirmed at once when `paymentMethodId` is given). PayPal: an order
   * (`status: 'requires_approval'`, `approvalUrl`). A decline throws `payment_declined` with the
   * decline code as `providerCode`.
   */
  createPayment(input: CreatePaymentInput, options: CallOptions): Promise<Payment>;
  confirmPayment(id: string, input: ConfirmPaymentInput, options: CallOptions): Promise<Payment>;
  /** Stripe: capture a `requires_capture` intent. PayPal: capture an approved order. */
  capturePayment(id: string, input: CaptureInput, options: CallOptions): Promise<Payment>;
  cancelPayment(id: string, options: CallOptions): Promise<Payment>;
  getPayment(id: string, options?: CallOptions): Promise<Payment>;

  createRefund(input: RefundInput, options: CallOptions): Promise<Refund>;
  getRefund(id: string, options?: CallOptions): Promise<Refund>;

  createSubscription(input: SubscriptionInput, options: CallOptions): Promise<Subscription>;
  getSubscription(id: string, options?: CallOptions): Promise<Subscription>;
  changeSubscriptionPrice(id: string, priceId: string, options: CallOptions): Promise<Subscription>;
  cancelSubscription(id: string, input: { atPeriodEnd: boolean; reason?: string }, options: CallOptions): Promise<Subscription>;

  createInvoice(input: InvoiceInput, options: CallOptions): Promise<Invoice>;
  addInvoiceItem(invoiceId: string, item: InvoiceItemInput, options: CallOptions): Promise<Invoice>;
  finalizeInvoice(invoiceId: string, options: CallOptions): Promise<Invoice>;
  sendInvoice(invoiceId: string, options: CallOptions): Promise<Invoice>;
  markInvoicePaid(invoiceId: string, options: CallOptions): Promise<Invoice>;
  getInvoice(invoiceId: string, options?: CallOptions): Promise<Invoice>;
  listInvoices(options: ListOptions & CallOptions): Promise<Page<Invoice>>;
}

/**
 * Rank of the statuses a payment moves through. A webhook moves a stored payment only to a status
 * of a higher rank, or of an equal rank among the non-final ones (see `applyPaymentStatus`):
 * a late `requires_action` never undoes `succeeded`; `failed` then `succeeded` (a retry with
 * another card) is fine.
 */
export const PAYMENT_STATUS_RANK: Record<PaymentStatus, number> = {
  requires_payment_method: 0,
  failed: 1,
  requires_confirmation: 2,
  requires_action: 3,
  requires_approval: 3,
  approved: 4,
  processing: 5,
  requires_capture: 6,
  succeeded: 7,
  canceled: 7,
  partially_refunded: 8,
  refunded: 9,
};

/** Statuses a payment never leaves except by a refund. */
export const FINAL_PAYMENT_STATUSES: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'canceled', 'partially_refunded', 'refunded']);

/** Metadata key / custom id carrying the hub's own id on provider objects. */
export const PAYMENT_HUB_ID_FIELD = 'switchboard_id';

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    /** `providers/<id>/index.ts` sets `payments: (ctx) => PaymentsProvider`. */
    payments: PaymentsProvider;
  }
}
