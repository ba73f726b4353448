/**
 * zod schemas of the payments API (REST bodies and library inputs). Amounts are read by
 * `money.ts` (exact, a 400 naming the field), so here they are only "a string or a number".
 */
import { z } from 'zod';

const metadata = z
  .record(z.string().max(40, 'metadata keys are at most 40 characters'), z.string().max(500, 'metadata values are at most 500 characters'))
  .refine((m) => Object.keys(m).length <= 40, 'at most 40 metadata keys')
  .optional();
const amount = z.union([z.string(), z.number()], { error: 'must be a decimal string such as "99.99" or a JSON number' }).optional().describe('Major units: a decimal string ("99.99") or a JSON number with no more decimals than the currency has');
const amountMinor = z.number({ error: 'must be an integer of minor units (cents for USD)' }).optional().describe('Minor units (cents for USD): an integer; send amount or amountMinor');
const currency = z.string({ error: 'must be an ISO 4217 currency code such as "USD"' }).describe('ISO 4217 code, any case: "USD", "eur", "JPY"');
const provider = z.string().optional().describe('Provider id (`stripe`, `paypal`); default: the first of PAYMENT_PROVIDERS');
const id = z.string().min(1).max(255);

export const createPaymentInput = z.object({
  provider,
  amount,
  amountMinor,
  currency,
  description: z.string().max(1000).optional(),
  metadata,
  customerId: id.optional(),
  paymentMethodId: id.optional().describe('Stripe: confirm at once with this payment method (`pm_card_visa` in sandbox)'),
  captureMethod: z.enum(['automatic', 'manual']).optional(),
  returnUrl: z.url('must be an absolute URL').optional(),
  cancelUrl: z.url('must be an absolute URL').optional(),
  receiptEmail: z.email('must be an email address').optional(),
});
export type CreatePaymentRequest = z.input<typeof createPaymentInput>;

export const confirmPaymentInput = z.object({ paymentMethodId: id.optional(), returnUrl: z.url('must be an absolute URL').optional() });
export const capturePaymentInput = z.object({ amount, amountMinor });

export const refundInput = z.object({
  paymentId: id.describe('The hub payment id (`pay_…`) or the provider\'s (`pi_…`, a PayPal order id)'),
  amount,
  amountMinor,
  reason: z.string().max(500).optional(),
  metadata,
});
export type RefundRequest = z.input<typeof refundInput>;

export const customerInput = z.object({
  provider,
  email: z.email('must be an email address').optional(),
  name: z.string().max(256).optional(),
  phone: z.string().max(32).optional(),
  description: z.string().max(1000).optional(),
  metadata,
  defaultPaymentMethodId: id.optional(),
});

export const attachPaymentMethodInput = z.object({ provider, paymentMethodId: id });

export const subscriptionInput = z.object({
  provider,
  customerId: id.optional(),
  priceId: id.describe('Stripe `price_…`; PayPal billing plan `P-…`'),
  quantity: z.number().int().min(1).optional(),
  trialDays: z.number().int().min(1).max(730).optional(),
  defaultPaymentMethodId: id.optional(),
  metadata,
  subscriberEmail: z.email('must be an email address').optional(),
  returnUrl: z.url('must be an absolute URL').optional(),
  cancelUrl: z.url('must be an absolute URL').optional(),
});
export const changePriceInput = z.object({ provider, priceId: id });
export const cancelSubscriptionInput = z.object({ provider, atPeriodEnd: z.boolean().default(false), reason: z.string().max(128).optional() });

export const invoiceItemInput = z.object({
  description: z.string().min(1).max(500),
  amount,
  amountMinor,
  quantity: z.number().int().min(1).max(100_000).default(1),
});
export const invoiceInput = z.object({
  provider,
  customerId: id.optional(),
  customerEmail: z.email('must be an email address').optional(),
  currency,
  description: z.string().max(1000).optional(),
  daysUntilDue: z.number().int().min(0).max(365).optional(),
  metadata,
  items: z.array(invoiceItemInput).max(250).optional(),
});
export const addInvoiceItemInput = invoiceItemInput.extend({ provider });
export const providerOnly = z.object({ provider });
export const listInvoicesQuery = z.object({ provider, customerId: id.optional(), limit: z.coerce.number().int().min(1).max(100).default(20), after: z.string().optional() });

/** The integrations guide's `/stripe/intent` body. */
export const stripeIntentInput = createPaymentInput.pick({ amount: true, amountMinor: true, currency: true, description: true, metadata: true, customerId: true, captureMethod: true });
export const stripeConfirmInput = z.object({ paymentIntentId: id, paymentMethodId: id, returnUrl: z.url('must be an absolute URL').optional() });
export const paypalCreateInput = createPaymentInput
  .pick({ amount: true, amountMinor: true, currency: true, returnUrl: true, cancelUrl: true })
  .extend({ description: z.string().max(127, 'PayPal keeps at most 127 characters').optional() });
export const paypalExecuteInput = z.object({ paymentId: id });
