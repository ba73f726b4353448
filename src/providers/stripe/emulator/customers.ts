/**
 * Customers: create, retrieve, update (including `invoice_settings[default_payment_method]`,
 * which must be a PaymentMethod attached to the customer), list (`email` filter), delete.
 *
 * @see https://docs.stripe.com/api/customers
 */
import type { EmulatorContext } from './context.js';
import { invalidRequest } from './errors.js';
import { previousAttributes } from './events.js';
import type { FormObject } from './form.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCustomer, type StripePaymentMethod } from './objects.js';
import { mergeMetadata, type Args, type ParamKind } from './params.js';
import type { Call, Route } from './router.js';

const FIELDS: Record<string, ParamKind> = {
  email: 'string',
  name: 'string',
  phone: 'string',
  description: 'string',
  metadata: 'metadata',
  address: 'hash',
  shipping: 'hash',
  invoice_settings: 'hash',
  preferred_locales: 'strings',
  invoice_prefix: 'string',
  balance: 'integer',
};

/** Sets `invoice_settings[default_payment_method]` after checking it belongs to `customer`. */
function setDefaultMethod(ctx: EmulatorContext, customer: StripeCustomer, settings: FormObject | undefined): void {
  const id = settings?.default_payment_method;
  if (id === undefined) return;
  if (id === '') {
    customer.invoice_settings.default_payment_method = null;
    return;
  }
  const pm = ctx.store.get<StripePaymentMethod>(String(id));
  if (pm?.object !== 'payment_method' || pm.customer !== customer.id) {
    throw invalidRequest(
      'resource_missing',
      `The customer does not have a payment method with the ID ${String(id)}. The payment method must be attached to the customer.`,
      'invoice_settings[default_payment_method]',
    );
  }
  customer.invoice_settings.default_payment_method = pm.id;
}

function apply(ctx: EmulatorContext, customer: StripeCustomer, args: Args): void {
  for (const field of ['email', 'name', 'phone', 'description', 'invoice_prefix'] as const) {
    if (args.has(field)) customer[field] = args.nullable(field) ?? null;
  }
  if (args.has('balance')) customer.balance = args.int('balance');
  if (args.has('address')) customer.address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...args.hash('address') };
  if (args.has('shipping')) customer.shipping = args.hash('shipping');
  if (args.has('preferred_locales')) customer.preferred_locales = args.strs('preferred_locales');
  customer.metadata = mergeMetadata(customer.metadata, args.meta());
  setDefaultMethod(ctx, customer, args.hash('invoice_settings'));
}

/**
 * Routes: `/v1/customers…`.
 *
 * @example
 * customerRoutes(route, ctx); // POST /v1/customers email=a@example.com&metadata[tenant]=acme
 */
export function customerRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;
  route('POST', '/v1/customers', { params: { ...FIELDS, payment_method: 'string' } }, (call: Call) => {
    const customer = store.put<StripeCustomer>({
      id: stripeId('cus', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created: nowSec(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: stripeId('', 8).slice(1).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    });
    const pmId = call.args.str('payment_method');
    if (pmId !== undefined) {
      const pm = ctx.methods.resolve(pmId);
      if (pm.customer !== null) throw invalidRequest('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', 'payment_method');
      pm.customer = customer.id;
    }
    try {
      apply(ctx, customer, call.args);
    } catch (err) {
      store.delete(customer.id);
      throw err;
    }
    call.emit('customer.created', customer);
    return customer;
  });

  // A deleted customer is still retrievable, as a stub.
  route('GET', '/v1/customers/:id', { params: {} }, (call) => {
    const found = store.get<StripeCustomer>(call.path.id!);
    return found?.deleted === true ? { id: found.id, object: 'customer', deleted: true } : store.find('customer', call.path.id!);
  });

  route('POST', '/v1/customers/:id', { params: { ...FIELDS, default_source: 'string' } }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.path.id!);
    const before = structuredClone(customer);
    apply(ctx, customer, call.args);
    const previous = previousAttributes(before, customer);
    if (Object.keys(previous).length > 0) call.emit('customer.updated', customer, previous);
    return customer;
  });

  route('GET', '/v1/customers', { params: { ...LIST_PARAMS, email: 'string', test_clock: 'string' } }, (call) => {
    const email = call.args.str('email');
    return listPage(store.all<StripeCustomer>('customer', (c) => email === undefined || c.email === email), call.args, '/v1/customers');
  });

  route('DELETE', '/v1/customers/:id', { params: {} }, (call) => {
    const customer = store.find<StripeCustomer>('customer', call.path.id!);
    call.emit('customer.deleted', customer);
    customer.deleted = true;
    return { id: customer.id, object: 'customer', deleted: true };
  });
}
