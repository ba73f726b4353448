/**
 * Small readers and writers for PayPal's JSON: money objects (`{currency_code, value}`, a decimal
 * string), HATEOAS links, and the refusal of operations PayPal does not have.
 *
 * PayPal's surprise: HUF and TWD have two decimals in ISO 4217 (and in the hub's minor units) but
 * PayPal accepts no decimals for them, like JPY.
 *
 * @see https://developer.paypal.com/reference/currency-codes/
 * @see https://developer.paypal.com/api/rest/responses/#link-hateoaslinks
 */
import { HubError, validationError } from '../../core/errors.js';
import { formatMinor, normalizeCurrency, toMinorUnits } from '../../categories/payments/money.js';
import type { HttpMethod } from '../../transport/types.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const at = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((o, k) => (Array.isArray(o) && typeof k === 'number' ? o[k] : isObject(o) ? o[k] : undefined), v);
export const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Currencies PayPal takes without decimals although ISO 4217 gives them two. */
const WHOLE_ONLY = new Set(['HUF', 'TWD']);

/**
 * Minor units → PayPal's money object; a 400 naming `field` for a fraction PayPal cannot take.
 *
 * @example
 * paypalMoney(1999, 'usd') // { currency_code: 'USD', value: '19.99' }
 * paypalMoney(10050, 'HUF') // throws validation_failed naming `amount`
 */
export function paypalMoney(minor: number, currency: string, field = 'amount'): { currency_code: string; value: string } {
  const code = normalizeCurrency(currency);
  if (!Number.isSafeInteger(minor) || minor < 0) throw validationError(field, 'must be a non-negative integer of minor units');
  if (WHOLE_ONLY.has(code) && minor % 100 !== 0) {
    throw validationError(field, `PayPal accepts no decimals for ${code}: use a whole amount (a multiple of 100 minor units), e.g. ${formatMinor(minor - (minor % 100), code)}`);
  }
  const value = formatMinor(minor, code);
  return { currency_code: code, value: WHOLE_ONLY.has(code) ? value.replace(/\.00$/, '') : value };
}

/**
 * PayPal's money object → `{ minor, currency }`; undefined when absent or malformed.
 *
 * @example
 * fromPaypalMoney({ currency_code: 'USD', value: '19.99' }) // { minor: 1999, currency: 'USD' }
 * fromPaypalMoney({ currency_code: 'USD', value: '-3.00' }) // { minor: -300, currency: 'USD' }
 */
export function fromPaypalMoney(v: unknown): { minor: number; currency: string } | undefined {
  const currency = str(at(v, 'currency_code')) ?? str(at(v, 'currency'));
  const value = at(v, 'value') ?? at(v, 'total');
  if (!currency || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  // Reversals and discounts come negative ("-3.00"); toMinorUnits reads non-negative amounts only.
  const text = String(value).trim();
  const negative = text.startsWith('-');
  try {
    const minor = toMinorUnits(negative ? text.slice(1) : text, currency);
    return { minor: negative ? -minor : minor, currency: currency.toUpperCase() };
  } catch {
    return undefined;
  }
}

/**
 * The `href` of the first link with one of `rels`.
 *
 * @example
 * linkOf(order, 'payer-action', 'approve') // 'https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T'
 */
export function linkOf(obj: unknown, ...rels: string[]): string | undefined {
  const links = list(at(obj, 'links'));
  for (const rel of rels) {
    const href = str(links.find((l) => l.rel === rel)?.href);
    if (href) return href;
  }
  return undefined;
}

/**
 * HubError `capability_unsupported` naming the operation and what to use instead.
 *
 * @example
 * throw unsupported('createCustomer', 'PayPal has no customer objects: pass the payer\'s email where needed.');
 */
export function unsupported(operation: string, instead: string): HubError {
  return new HubError('capability_unsupported', `PayPal does not support ${operation}: ${instead}`, { provider: 'paypal', details: { operation } });
}

/** `Prefer: return=representation` makes PayPal answer POSTs with the whole object. */
export const REPRESENTATION = { prefer: 'return=representation' } as const;

/** One JSON call to PayPal for a connection (Bearer token, sandbox mock header). */
export type PaypalCall = (method: HttpMethod, path: string, operation: string, options?: { body?: Json; idempotencyKey?: string; signal?: AbortSignal; query?: Record<string, string | number | boolean | undefined> }) => Promise<Json>;
