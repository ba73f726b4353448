/**
 * Refunds of a charge (or of a PaymentIntent's latest charge): all of what remains or part of
 * it; the charge's `amount_refunded`/`refunded` follow. More than remains is `amount_too_large`,
 * nothing left is `charge_already_refunded`.
 *
 * @see https://docs.stripe.com/api/refunds
 */
import { formatAmount } from './amounts.js';
import type { EmulatorContext } from './context.js';
import { invalidRequest, stripeErrors } from './errors.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCharge, type StripeObject, type StripePaymentIntent } from './objects.js';
import { mergeMetadata } from './params.js';
import type { Route } from './router.js';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

/**
 * Routes: `/v1/refunds…`.
 *
 * @example
 * refundRoutes(route, ctx); // POST /v1/refunds payment_intent=pi_123&amount=500
 */
export function refundRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;

  route(
    'POST',
    '/v1/refunds',
    { params: { payment_intent: 'string', charge: 'string', amount: 'integer', reason: 'string', metadata: 'metadata', instructions_email: 'string' }, enums: { reason: REASONS } },
    (call) => {
      const { args } = call;
      const piId = args.str('payment_intent');
      const chargeId = args.str('charge');
      if (piId === undefined && chargeId === undefined) throw stripeErrors.missing('charge');
      let charge: StripeCharge;
      if (chargeId !== undefined) {
        charge = store.find<StripeCharge>('charge', chargeId, 'charge');
      } else {
        const pi = store.find<StripePaymentIntent>('payment_intent', piId!, 'payment_intent');
        if (pi.status !== 'succeeded' || !pi.latest_charge) {
          throw invalidRequest('charge_not_refundable', `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
        }
        charge = store.find<StripeCharge>('charge', pi.latest_charge);
      }
      if (charge.status !== 'succeeded' || !charge.captured) throw invalidRequest('charge_not_refundable', `Charge ${charge.id} has not been captured and cannot be refunded.`);
      const remaining = charge.amount_captured - (charge.amount_refunded - (charge.amount - charge.amount_captured));
      if (remaining <= 0) throw invalidRequest('charge_already_refunded', `Charge ${charge.id} has already been refunded.`, 'charge');
      const amount = args.int('amount') ?? remaining;
      if (amount <= 0) throw stripeErrors.invalidValue('amount', 'Invalid positive integer');
      if (amount > remaining) {
        throw stripeErrors.amountTooLarge(
          `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
        );
      }
      const refund = store.put<StripeObject>({
        id: stripeId('re'),
        object: 'refund',
        amount,
        balance_transaction: stripeId('txn'),
        charge: charge.id,
        created: nowSec(),
        currency: charge.currency,
        destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
        metadata: mergeMetadata({}, args.meta()),
        payment_intent: charge.payment_intent,
        reason: args.str('reason') ?? null,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      });
      charge.amount_refunded += amount;
      charge.refunded = amount === remaining;
      call.emit('refund.created', refund);
      call.emit('charge.refunded', charge);
      return refund;
    },
  );

  route('GET', '/v1/refunds/:id', { params: {} }, (call) => store.find('refund', call.path.id!));

  route('POST', '/v1/refunds/:id', { params: { metadata: 'metadata' } }, (call) => {
    const refund = store.find('refund', call.path.id!);
    refund.metadata = mergeMetadata(refund.metadata as Record<string, string>, call.args.meta());
    return refund;
  });

  route('GET', '/v1/refunds', { params: { ...LIST_PARAMS, charge: 'string', payment_intent: 'string' } }, (call) => {
    const charge = call.args.str('charge');
    const pi = call.args.str('payment_intent');
    const items = store.all('refund', (r) => (charge === undefined || r.charge === charge) && (pi === undefined || r.payment_intent === pi));
    return listPage(items, call.args, '/v1/refunds');
  });

  route('GET', '/v1/charges/:id', { params: {} }, (call) => store.find('charge', call.path.id!));
  route('GET', '/v1/charges', { params: { ...LIST_PARAMS, customer: 'string', payment_intent: 'string' } }, (call) => {
    const customer = call.args.str('customer');
    const pi = call.args.str('payment_intent');
    const items = store.all('charge', (c) => (customer === undefined || c.customer === customer) && (pi === undefined || c.payment_intent === pi));
    return listPage(items, call.args, '/v1/charges');
  });
}
