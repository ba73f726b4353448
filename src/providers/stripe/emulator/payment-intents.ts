/**
 * PaymentIntents: create (optionally confirming), retrieve, update, confirm, capture (all or
 * part of `amount_capturable`), cancel, list. The state machine itself is in `payments.ts`.
 *
 * @see https://docs.stripe.com/api/payment_intents
 */
import { checkChargeAmount, checkCurrency } from './amounts.js';
import type { EmulatorContext } from './context.js';
import { invalidRequest, stripeErrors } from './errors.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, type PaymentIntentStatus, type StripeCharge, type StripeCustomer, type StripePaymentIntent } from './objects.js';
import { mergeMetadata, type Args, type ParamKind } from './params.js';
import { confirmIntent, newPaymentIntent } from './payments.js';
import type { Route } from './router.js';

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const EDITABLE: Record<string, ParamKind> = {
  amount: 'integer',
  currency: 'string',
  customer: 'string',
  description: 'string',
  metadata: 'metadata',
  capture_method: 'string',
  payment_method: 'string',
  payment_method_types: 'strings',
  allowed_payment_method_types: 'strings',
  payment_method_options: 'hash',
  receipt_email: 'string',
  setup_future_usage: 'string',
  shipping: 'hash',
  statement_descriptor: 'string',
  statement_descriptor_suffix: 'string',
  transfer_group: 'string',
};
const CONFIRM: Record<string, ParamKind> = {
  return_url: 'string',
  off_session: 'string',
  error_on_requires_action: 'boolean',
  mandate_data: 'hash',
  payment_method_data: 'hash',
  use_stripe_sdk: 'boolean',
  client_secret: 'string',
  receipt_email: 'string',
  setup_future_usage: 'string',
  capture_method: 'string',
  payment_method: 'string',
  payment_method_types: 'strings',
  allowed_payment_method_types: 'strings',
  payment_method_options: 'hash',
  shipping: 'hash',
};
const ENUMS = { capture_method: CAPTURE_METHODS, setup_future_usage: ['on_session', 'off_session', ''] };
const CONFIRMABLE: PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: PaymentIntentStatus[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

/** Sets the PaymentMethod of `pi`, making one from a test token; it must not belong to another customer. */
function setPaymentMethod(ctx: EmulatorContext, pi: StripePaymentIntent, id: string): void {
  const pm = ctx.methods.resolve(id, 'payment_method');
  if (pm.customer !== null && pm.customer !== pi.customer) {
    throw invalidRequest('payment_method_unexpected_state', `The PaymentMethod ${pm.id} does not belong to the Customer ${String(pi.customer)}. Please use the Customer that this PaymentMethod belongs to.`, 'payment_method');
  }
  pi.payment_method = pm.id;
  if (pi.status === 'requires_payment_method') pi.status = 'requires_confirmation';
}

/** Applies the editable fields in `args` to `pi`. */
function apply(ctx: EmulatorContext, pi: StripePaymentIntent, args: Args): void {
  if (args.has('currency')) pi.currency = checkCurrency(args.str('currency')!);
  if (args.has('amount')) pi.amount = args.int('amount')!;
  if (args.has('amount') || args.has('currency')) checkChargeAmount(pi.amount, pi.currency);
  if (args.has('customer')) pi.customer = args.str('customer') ? ctx.store.find<StripeCustomer>('customer', args.str('customer')!, 'customer').id : null;
  for (const field of ['description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_group', 'setup_future_usage'] as const) {
    if (args.has(field)) pi[field] = args.nullable(field) ?? null;
  }
  if (String(pi.statement_descriptor ?? '').length > 22) {
    throw stripeErrors.invalidValue('statement_descriptor', 'The statement descriptor must be at most 22 characters.');
  }
  if (args.has('capture_method')) pi.capture_method = args.str('capture_method') as StripePaymentIntent['capture_method'];
  // `allowed_payment_method_types` is the name since API 2026-10-28; older versions say `payment_method_types`.
  const types = args.strs('allowed_payment_method_types') ?? args.strs('payment_method_types');
  if (types) Object.assign(pi, { payment_method_types: types, allowed_payment_method_types: types });
  if (args.has('shipping')) pi.shipping = args.hash('shipping');
  pi.metadata = mergeMetadata(pi.metadata, args.meta());
  const pm = args.str('payment_method');
  if (pm) setPaymentMethod(ctx, pi, pm);
}

/** Confirming with automatic (Dashboard) payment methods that may redirect needs a `return_url`. */
function checkReturnUrl(pi: StripePaymentIntent, args: Args): void {
  const apm = pi.automatic_payment_methods as { enabled: boolean; allow_redirects: string } | null;
  if (apm?.enabled && apm.allow_redirects !== 'never' && !args.has('return_url')) {
    throw stripeErrors.invalidValue(
      'return_url',
      'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    );
  }
}

/** Confirms after checking the state and the PaymentMethod, as `/confirm` and `confirm=true` do. */
function confirm(ctx: EmulatorContext, pi: StripePaymentIntent, args: Args, emit: Parameters<typeof confirmIntent>[3]): void {
  if (!CONFIRMABLE.includes(pi.status)) {
    throw stripeErrors.unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`);
  }
  if (!pi.payment_method) {
    throw stripeErrors.unexpectedState("You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.");
  }
  checkReturnUrl(pi, args);
  const offSession = args.has('off_session') && args.str('off_session') !== 'false';
  confirmIntent(ctx, pi, { returnUrl: args.str('return_url'), offSession: offSession || args.bool('error_on_requires_action') === true }, emit);
}

/**
 * Routes: `/v1/payment_intents…`.
 *
 * @example
 * paymentIntentRoutes(route, ctx); // POST /v1/payment_intents amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true
 */
export function paymentIntentRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;
  const find = (id: string) => store.find<StripePaymentIntent>('payment_intent', id);

  route(
    'POST',
    '/v1/payment_intents',
    { params: { ...EDITABLE, ...CONFIRM, confirm: 'boolean', automatic_payment_methods: 'hash', confirmation_method: 'string' }, required: ['amount', 'currency'], enums: { ...ENUMS, confirmation_method: ['automatic', 'manual'] } },
    (call) => {
      const { args } = call;
      // Since API 2023-08-16, a PaymentIntent without payment method types takes the Dashboard's (automatic) ones.
      const explicitTypes = args.has('payment_method_types') || args.has('allowed_payment_method_types');
      const apm = args.hash('automatic_payment_methods') ?? (explicitTypes ? undefined : { enabled: 'true' });
      const pi = newPaymentIntent({
        amount: args.int('amount')!,
        currency: checkCurrency(args.str('currency')!),
        ...(args.has('confirmation_method') ? { confirmation_method: args.str('confirmation_method') } : {}),
        ...(apm ? { automatic_payment_methods: { enabled: apm.enabled === 'true', allow_redirects: apm.allow_redirects ?? 'always' } } : {}),
      });
      if (args.has('customer')) pi.customer = store.find<StripeCustomer>('customer', args.str('customer')!, 'customer').id;
      apply(ctx, pi, args);
      if (args.bool('confirm') === true) checkReturnUrl(pi, args);
      store.put(pi);
      ctx.accepted.push(pi);
      call.emit('payment_intent.created', pi);
      if (args.bool('confirm') === true) confirm(ctx, pi, args, call.emit);
      return pi;
    },
  );

  route('GET', '/v1/payment_intents/:id', { params: { client_secret: 'string' } }, (call) => find(call.path.id!));

  route('POST', '/v1/payment_intents/:id', { params: EDITABLE, enums: ENUMS }, (call) => {
    const pi = find(call.path.id!);
    const late = !CONFIRMABLE.includes(pi.status);
    const restricted = Object.keys(call.args.values).filter((k) => !['expand', 'metadata', 'description', 'receipt_email', 'shipping'].includes(k));
    if (late && restricted.length > 0) {
      throw stripeErrors.unexpectedState(
        `This PaymentIntent's ${restricted[0]} could not be updated because it has a status of ${pi.status}. You may only update the ${restricted[0]} of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`,
      );
    }
    apply(ctx, pi, call.args);
    return pi;
  });

  route('POST', '/v1/payment_intents/:id/confirm', { params: CONFIRM, enums: ENUMS }, (call) => {
    const pi = find(call.path.id!);
    if (CONFIRMABLE.includes(pi.status)) apply(ctx, pi, call.args);
    confirm(ctx, pi, call.args, call.emit);
    return pi;
  });

  route('POST', '/v1/payment_intents/:id/capture', { params: { amount_to_capture: 'integer', metadata: 'metadata', final_capture: 'boolean', statement_descriptor: 'string', statement_descriptor_suffix: 'string' } }, (call) => {
    const pi = find(call.path.id!);
    if (pi.status !== 'requires_capture') {
      throw stripeErrors.unexpectedState(`This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`);
    }
    const amount = call.args.int('amount_to_capture') ?? pi.amount_capturable;
    if (amount > pi.amount_capturable) {
      throw stripeErrors.amountTooLarge(`The amount to capture (${amount}) must be less than or equal to the amount capturable (${pi.amount_capturable}).`, 'amount_to_capture');
    }
    const charge = store.find<StripeCharge>('charge', pi.latest_charge!);
    Object.assign(charge, { captured: true, amount_captured: amount, amount_refunded: charge.amount - amount, balance_transaction: `txn_${charge.id.slice(3)}` });
    pi.metadata = mergeMetadata(pi.metadata, call.args.meta());
    Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    call.emit('charge.captured', charge);
    call.emit('payment_intent.succeeded', pi);
    return pi;
  });

  route('POST', '/v1/payment_intents/:id/cancel', { params: { cancellation_reason: 'string' }, enums: { cancellation_reason: ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] } }, (call) => {
    const pi = find(call.path.id!);
    if (!CANCELABLE.includes(pi.status)) {
      throw stripeErrors.unexpectedState(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`);
    }
    if (pi.status === 'requires_capture' && pi.latest_charge) {
      const charge = store.find<StripeCharge>('charge', pi.latest_charge);
      Object.assign(charge, { amount_refunded: charge.amount, refunded: true });
    }
    Object.assign(pi, { status: 'canceled', canceled_at: nowSec(), cancellation_reason: call.args.str('cancellation_reason') ?? null, amount_capturable: 0, next_action: null });
    call.emit('payment_intent.canceled', pi);
    return pi;
  });

  route('GET', '/v1/payment_intents', { params: { ...LIST_PARAMS, customer: 'string' } }, (call) => {
    const customer = call.args.str('customer');
    return listPage(store.all<StripePaymentIntent>('payment_intent', (pi) => customer === undefined || pi.customer === customer), call.args, '/v1/payment_intents');
  });
}
