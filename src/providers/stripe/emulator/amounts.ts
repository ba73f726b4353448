/**
 * Currencies and amounts as Stripe checks them: lower-case ISO codes it supports, amounts in
 * the currency's smallest unit (zero-decimal currencies such as JPY are whole units already),
 * the minimum charge amount per currency and the 8-digit maximum.
 *
 * @see https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
 * @see https://docs.stripe.com/currencies#zero-decimal
 */
import { invalidRequest, stripeErrors } from './errors.js';

/** Stripe's zero-decimal currencies. */
export const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** Minimum charge per settlement currency, in minor units (Stripe's table); 50 elsewhere. */
const MINIMUM: Record<string, number> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50, gbp: 30, hkd: 400, huf: 17500,
  inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
};

/**
 * Stripe's three-decimal currencies: amounts in thousandths, but charges must end in 0 (Stripe
 * rounds to the hundredth for card networks).
 *
 * @see https://docs.stripe.com/currencies#three-decimal
 */
export const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

const OTHERS = ['bhd', 'jod', 'kwd', 'omr', 'tnd', 'ars', 'clp', 'cny', 'cop', 'egp', 'idr', 'ils', 'krw', 'ngn', 'php', 'pyg', 'sar', 'try', 'twd', 'uah', 'vnd', 'zar', 'bif', 'djf', 'gnf', 'kmf', 'mga', 'rwf', 'ugx', 'vuv', 'xaf', 'xof', 'xpf'];
const SUPPORTED = new Set([...Object.keys(MINIMUM), ...OTHERS]);
const SYMBOL: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥' };

/**
 * The currency as Stripe stores it (lower case), or its 400 for an unsupported one.
 *
 * @example
 * checkCurrency('USD') // 'usd'
 */
export function checkCurrency(value: string): string {
  const currency = value.toLowerCase();
  if (!SUPPORTED.has(currency)) throw stripeErrors.currency(value);
  return currency;
}

/**
 * `$0.50` for 50 usd, `¥50` for 50 jpy.
 *
 * @example
 * formatAmount(50, 'usd') // '$0.50'
 */
export function formatAmount(amount: number, currency: string): string {
  const major = ZERO_DECIMAL.has(currency) ? String(amount) : THREE_DECIMAL.has(currency) ? (amount / 1000).toFixed(3) : (amount / 100).toFixed(2);
  return `${SYMBOL[currency] ?? ''}${major}`;
}

/**
 * Checks a charge amount for `currency`: at least the minimum, at most 99 999 999 minor units.
 *
 * @example
 * checkChargeAmount(49, 'usd') // throws amount_too_small "Amount must be at least $0.50 usd"
 */
export function checkChargeAmount(amount: number, currency: string, param = 'amount'): void {
  if (amount > 99_999_999) throw invalidRequest('amount_too_large', `Amount must be no more than ${formatAmount(99_999_999, currency)} ${currency}`, param, 400, false);
  const minimum = MINIMUM[currency] ?? 50;
  if (amount < minimum) throw stripeErrors.amountTooSmall(formatAmount(minimum, currency), currency);
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw invalidRequest('invalid_amount', `Invalid amount: ${currency} amounts must be a multiple of 10 (the last of the three decimals is 0).`, param, 400, false);
  }
}
