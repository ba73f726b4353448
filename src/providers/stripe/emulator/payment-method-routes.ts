/**
 * The PaymentMethod routes: create from a card token, retrieve, update, attach, detach, and both
 * list forms.
 *
 * @see https://docs.stripe.com/api/payment_methods
 */
import type { EmulatorContext } from './context.js';
import { invalidRequest } from './errors.js';
import { LIST_PARAMS, listPage } from './lists.js';
import type { StripeCustomer, StripePaymentMethod } from './objects.js';
import { mergeMetadata } from './params.js';
import type { Route } from './router.js';

/**
 * Routes: `/v1/payment_methods/…` and `GET /v1/customers/:id/payment_methods`.
 *
 * @example
 * paymentMethodRoutes(route, ctx); // POST /v1/payment_methods/pm_card_visa/attach customer=cus_123
 */
export function paymentMethodRoutes(route: Route, ctx: EmulatorContext): void {
  const { store, methods } = ctx;
  // Only card tokens: `type=card&card[token]=tok_visa` (the card-token test values).
  route('POST', '/v1/payment_methods', { params: { type: 'string', card: 'hash', billing_details: 'hash', metadata: 'metadata', allow_redirects: 'string' }, required: ['type'], enums: { type: ['card'] } }, (call) => {
    const token = call.args.hash('card')?.token;
    if (typeof token !== 'string') {
      throw invalidRequest('parameter_missing', 'The emulator makes card PaymentMethods from test tokens only: pass card[token]=tok_visa (or another tok_… test token).', 'card[token]', 400, false);
    }
    const pm = methods.resolve(token, 'card[token]');
    pm.metadata = mergeMetadata({}, call.args.meta());
    const billing = call.args.hash('billing_details');
    if (billing) pm.billing_details = { ...(pm.billing_details as object), ...billing };
    return pm;
  });
  route('GET', '/v1/payment_methods/:id', { params: {} }, (call) => methods.resolve(call.path.id!, 'payment_method'));
  route('POST', '/v1/payment_methods/:id', { params: { metadata: 'metadata', billing_details: 'hash', allow_redisplay: 'string' } }, (call) => {
    const pm = methods.resolve(call.path.id!);
    pm.metadata = mergeMetadata(pm.metadata as Record<string, string>, call.args.meta());
    if (call.args.has('allow_redisplay')) pm.allow_redisplay = call.args.str('allow_redisplay');
    const billing = call.args.hash('billing_details');
    if (billing) pm.billing_details = { ...(pm.billing_details as object), ...billing };
    call.emit('payment_method.updated', pm);
    return pm;
  });

  route('POST', '/v1/payment_methods/:id/attach', { params: { customer: 'string' }, required: ['customer'] }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.args.str('customer')!, 'customer');
    const pm = methods.resolve(call.path.id!);
    if (pm.customer !== null && pm.customer !== customer.id) {
      throw invalidRequest('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.');
    }
    if (pm.customer === null) {
      pm.customer = customer.id;
      call.emit('payment_method.attached', pm);
    }
    return pm;
  });

  route('POST', '/v1/payment_methods/:id/detach', { params: {} }, (call) => {
    const pm = store.find<StripePaymentMethod>('payment_method', call.path.id!);
    if (pm.customer === null) {
      throw invalidRequest('payment_method_unexpected_state', 'The payment method you provided is not attached to a customer so detachment is impossible.');
    }
    const customer = store.get<StripeCustomer>(pm.customer);
    if (customer?.invoice_settings.default_payment_method === pm.id) {
      customer.invoice_settings.default_payment_method = null;
      call.emit('customer.updated', customer, { invoice_settings: { default_payment_method: pm.id } });
    }
    pm.customer = null;
    call.emit('payment_method.detached', pm, { customer: customer?.id ?? null });
    return pm;
  });

  const listFor = (customerId: string | undefined, type: string | undefined) =>
    store.all<StripePaymentMethod>('payment_method', (pm) => (customerId === undefined ? pm.customer !== null : pm.customer === customerId) && (type === undefined || pm.type === type));

  route('GET', '/v1/payment_methods', { params: { ...LIST_PARAMS, customer: 'string', type: 'string' } }, (call) => {
    const customer = call.args.str('customer');
    if (customer !== undefined) store.find('customer', customer, 'customer');
    return listPage(listFor(customer, call.args.str('type')), call.args, '/v1/payment_methods');
  });
  route('GET', '/v1/customers/:id/payment_methods', { params: { ...LIST_PARAMS, type: 'string', allow_redisplay: 'string' } }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.path.id!);
    return listPage(listFor(customer.id, call.args.str('type')), call.args, `/v1/customers/${customer.id}/payment_methods`);
  });
}
