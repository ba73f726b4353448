/**
 * Amounts as PayPal takes them: `{currency_code, value}` with `value` a decimal string carrying at
 * most the currency's decimals (HUF, JPY and TWD take none), and only the currencies PayPal
 * supports. Arithmetic is done on integer minor units.
 *
 * @see https://developer.paypal.com/reference/currency-codes/
 */
import { badValue, invalidRequest, missing, unprocessable } from './errors.js';

/** PayPal's supported currencies and their decimals. */
const CURRENCIES: Record<string, number> = {
  AUD: 2, BRL: 2, CAD: 2, CNY: 2, CZK: 2, DKK: 2, EUR: 2, HKD: 2, HUF: 0, ILS: 2, JPY: 0, MYR: 2,
  MXN: 2, TWD: 0, NZD: 2, NOK: 2, PHP: 2, PLN: 2, GBP: 2, RUB: 2, SGD: 2, SEK: 2, CHF: 2, THB: 2, USD: 2,
};

/** The pattern of `value` in PayPal's `money` schema. */
const VALUE = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/;

export interface Money {
  currency_code: string;
  value: string;
}

/**
 * Decimals of a currency PayPal supports (2 when unknown).
 *
 * @example
 * decimalsOf('JPY') // 0
 */
export const decimalsOf = (currency: string): number => CURRENCIES[currency] ?? 2;

/**
 * Formats minor units as PayPal writes them.
 *
 * @example
 * formatMoney(1050, 'USD') // { currency_code: 'USD', value: '10.50' }
 */
export function formatMoney(minor: number, currency: string): Money {
  const d = decimalsOf(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const value = d === 0 ? String(abs) : `${Math.floor(abs / 10 ** d)}.${String(abs % 10 ** d).padStart(d, '0')}`;
  return { currency_code: currency, value: `${sign}${value}` };
}

/**
 * Checks one `money` object at `pointer` and returns it in minor units; throws PayPal's 400 for a
 * missing or malformed field and 422 INVALID_CURRENCY_CODE / DECIMAL_PRECISION (Payments v2:
 * DECIMALS_NOT_SUPPORTED for a fraction in a currency without decimals).
 *
 * @example
 * readMoney({ currency_code: 'JPY', value: '1000' }, '/purchase_units/0/amount') // { currency: 'JPY', minor: 1000 }
 * readMoney({ currency_code: 'JPY', value: '10.5' }, '/amount') // throws 422 DECIMAL_PRECISION
 */
export function readMoney(input: unknown, pointer: string, options: { allowZero?: boolean; api?: 'orders' | 'payments' } = {}): { currency: string; minor: number } {
  if (input === undefined || input === null) throw missing(pointer);
  if (typeof input !== 'object' || Array.isArray(input)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', pointer, 'The value of a field does not conform to the expected format.');
  const { currency_code: currency, value } = input as Record<string, unknown>;
  if (currency === undefined) throw missing(`${pointer}/currency_code`);
  if (value === undefined) throw missing(`${pointer}/value`);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    throw invalidRequest('INVALID_PARAMETER_SYNTAX', `${pointer}/currency_code`, 'The value of a field does not conform to the expected format.', currency);
  }
  if (typeof value !== 'string' || value.length > 32 || !VALUE.test(value)) {
    throw invalidRequest('INVALID_PARAMETER_SYNTAX', `${pointer}/value`, 'The value of a field does not conform to the expected format.', value);
  }
  const payments = options.api === 'payments';
  if (!(currency in CURRENCIES)) throw unprocessable('INVALID_CURRENCY_CODE', `Currency code is invalid or is not currently supported. Please refer https://developer.paypal.com/${payments ? 'docs/api' : 'api/rest'}/reference/currency-codes/ for list of supported currency codes.`, `${pointer}/currency_code`, currency);
  const d = decimalsOf(currency);
  const [whole = '', fraction = ''] = value.replace('-', '').split('.');
  if (fraction.length > d) {
    // Orders v2 calls both cases DECIMAL_PRECISION; Payments v2 has DECIMALS_NOT_SUPPORTED for currencies without decimals.
    if (d === 0 && payments) throw unprocessable('DECIMALS_NOT_SUPPORTED', 'Currency does not support decimals. Please refer to https://developer.paypal.com/docs/api/reference/currency-codes/ for more information.', `${pointer}/value`, value);
    throw unprocessable('DECIMAL_PRECISION', 'If the currency supports decimals, only two decimal place precision is supported.', `${pointer}/value`, value);
  }
  const minor = Number(whole || '0') * 10 ** d + Number(fraction.padEnd(d, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw badValue(`${pointer}/value`, value);
  if (value.startsWith('-') && minor !== 0) throw unprocessable('CANNOT_BE_NEGATIVE', 'Must be greater than or equal to 0. If the currency supports decimals, only two decimal place precision is supported.', `${pointer}/value`, value);
  if (minor === 0 && !options.allowZero) throw unprocessable('CANNOT_BE_ZERO_OR_NEGATIVE', 'Must be greater than zero. If the currency supports decimals, only two decimal place precision is supported.', `${pointer}/value`, value);
  return { currency, minor };
}

/**
 * PayPal's fee on a received payment, as the US standard rate (3.49 % + a fixed 0.49, or 40 in currencies without decimals).
 *
 * @example
 * paypalFee(10000, 'USD') // 398
 */
export function paypalFee(grossMinor: number, currency: string): number {
  const fixed = decimalsOf(currency) === 0 ? 40 : 49;
  return Math.round(grossMinor * 0.0349) + fixed;
}
