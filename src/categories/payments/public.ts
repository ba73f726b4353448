/** What the library entry (`src/index.ts`) publishes of the payments category: what `hub.payments` takes and answers, exact money, and the connector contract. */
export { paymentsCategory } from './index.js';

export { PAYMENT_ERROR_CODES } from './errors.js';
export type { PaymentsService, PaymentCallOptions } from './service.js';
export type { CreatePaymentRequest, RefundRequest } from './schemas.js';
export type { PaymentView, RefundView } from './records.js';
export type { PaymentEventData, PaymentEventType } from './events.js';
export { toMinorUnits, formatMinor, currencyExponent, type Money, type AmountInput } from './money.js';
export type {
  CallOptions,
  CaptureInput,
  ConfirmPaymentInput,
  CreatePaymentInput,
  Customer,
  CustomerInput,
  Invoice,
  InvoiceInput,
  InvoiceItemInput,
  InvoiceStatus,
  ListOptions,
  Page,
  Payment,
  PaymentMethod,
  PaymentStatus,
  PaymentsCapability,
  PaymentsProvider,
  Refund,
  RefundInput,
  RefundStatus,
  Subscription,
  SubscriptionInput,
  SubscriptionStatus,
} from './contract.js';

