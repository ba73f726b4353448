/**
 * One Stripe API call through the connection's transport (which sends the secret key as a Bearer
 * token: the manifest's auth data), a pinned `Stripe-Version` (answers keep the shape the
 * connector reads whatever the account's default version), form bodies for POST, query strings
 * for GET and DELETE, and the idempotency key on every POST.
 *
 * @see https://docs.stripe.com/api/authentication
 * @see https://docs.stripe.com/api/versioning
 * @see https://docs.stripe.com/api/idempotent_requests
 */
import type { CallOptions } from '../../categories/payments/contract.js';
import type { HttpMethod } from '../../transport/types.js';
import type { ProviderContext } from '../../kit/connector.js';
import { toStripeForm, toStripeQuery, type StripeParams } from './form.js';
import type { StripeCredentials } from './manifest.js';
import type { Json } from './objects.js';

/** The API version the connector is written against (the shapes `objects.ts` reads). */
export const STRIPE_API_VERSION = '2024-06-20';

/** One call: method, path, parameters and the `payments.*` operation name. */
export interface StripeCall {
  method: HttpMethod;
  path: string;
  params?: StripeParams;
  operation: string;
  /** `idempotencyKey` is sent on POSTs; `signal` cancels. */
  options?: CallOptions;
}

/** Calls Stripe and answers the parsed JSON object (errors are thrown by the transport). */
export type StripeClient = (call: StripeCall) => Promise<Json>;

/**
 * A path segment from an id the caller gave (ids never contain `/`, but a typo must not change the path).
 *
 * @example
 * seg('pi_1/../x') // 'pi_1%2F..%2Fx'
 */
export const seg = (id: string): string => encodeURIComponent(id);

/**
 * The Stripe client of one connection.
 *
 * @example
 * const call = stripeClient(ctx);
 * const pi = await call({ method: 'POST', path: '/v1/payment_intents', params: { amount: 2000, currency: 'usd' }, operation: 'payments.createPayment', options: { idempotencyKey: 'k1' } });
 */
export function stripeClient(ctx: ProviderContext<StripeCredentials>): StripeClient {
  return async ({ method, path, params = {}, operation, options = {} }) => {
    // As stripe-node does: DELETE parameters travel in the query string, like GET's.
    const hasBody = method === 'POST';
    const form = hasBody ? toStripeForm(params) : undefined;
    const res = await ctx.http.request({
      method,
      path,
      headers: { 'stripe-version': STRIPE_API_VERSION },
      ...(hasBody ? (form && [...form.keys()].length > 0 ? { body: form } : {}) : { query: toStripeQuery(params) }),
      idempotencyKey: method === 'POST' ? options.idempotencyKey : undefined,
      operation,
      signal: options.signal,
    });
    return res.json<Json>();
  };
}

/**
 * A step's own idempotency key inside a multi-call operation: Stripe refuses one key reused on
 * another endpoint, so each POST of the operation gets the caller's key plus a suffix.
 *
 * @example
 * stepKey({ idempotencyKey: 'k1' }, 'item-0') // { idempotencyKey: 'k1:item-0' }
 */
export function stepKey(options: CallOptions, step: string): CallOptions {
  return { ...options, idempotencyKey: options.idempotencyKey === undefined ? undefined : `${options.idempotencyKey}:${step}` };
}
