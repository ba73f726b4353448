/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with nested keys in brackets,
 * as stripe-node sends them (it runs `qs.stringify` with indexed arrays): `metadata[order]=42`,
 * `items[0][price]=price_1`, `expand[0]=latest_charge`, booleans as `true` / `false`, dates as
 * Unix seconds. An empty string unsets a field (`description=`), so `null` is sent as one;
 * `undefined` is left out.
 *
 * @see https://docs.stripe.com/api/metadata
 * @see https://github.com/stripe/stripe-node/blob/master/src/utils.ts (`queryStringifyRequestData`)
 */

/** A value Stripe's form encoding can carry. */
export type StripeParam =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | StripeParam[]
  | { [key: string]: StripeParam };

/** Parameters of one Stripe request. */
export type StripeParams = { [key: string]: StripeParam };

function scalar(value: string | number | boolean | Date | null): string {
  if (value === null) return '';
  if (value instanceof Date) return String(Math.floor(value.getTime() / 1000));
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Stripe parameters must be finite numbers, got ${value}`);
    return String(value);
  }
  return String(value);
}

function append(out: URLSearchParams, key: string, value: StripeParam): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => append(out, `${key}[${i}]`, item));
    return;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) append(out, `${key}[${k}]`, v);
    return;
  }
  out.append(key, scalar(value));
}

/**
 * Encodes nested parameters into the form Stripe reads.
 *
 * @example
 * toStripeForm({ amount: 2000, currency: 'usd', metadata: { switchboard_id: 'pay_1' }, confirm: true, expand: ['latest_charge'] }).toString()
 * // 'amount=2000&currency=usd&metadata%5Bswitchboard_id%5D=pay_1&confirm=true&expand%5B0%5D=latest_charge'
 * toStripeForm({ items: [{ price: 'price_1', quantity: 2 }], description: undefined }).toString()
 * // 'items%5B0%5D%5Bprice%5D=price_1&items%5B0%5D%5Bquantity%5D=2'
 */
export function toStripeForm(params: StripeParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) append(out, key, value);
  return out;
}

/**
 * Flattens parameters into a query record (`limit`, `starting_after`, `expand[0]`) for GETs,
 * which stripe-node sends in the URL rather than a body.
 *
 * @example
 * toStripeQuery({ customer: 'cus_1', limit: 10, starting_after: undefined }) // { customer: 'cus_1', limit: '10' }
 */
export function toStripeQuery(params: StripeParams): Record<string, string> {
  return Object.fromEntries(toStripeForm(params));
}
