/**
 * Exact money: ISO 4217 currencies, their minor-unit exponents, and the conversion of what a
 * caller sends (a decimal string, a JSON number, or an integer of minor units) into the integer
 * of minor units every provider is sent. No float is ever multiplied: a JSON number is read
 * through its shortest decimal string (`String(19.99)` is `"19.99"`), then as digits.
 *
 * @see https://www.iso.org/iso-4217-currency-codes.html
 * @see https://docs.stripe.com/currencies#zero-decimal
 */
import { validationError } from '../../core/errors.js';

/** Codes by exponent, from ISO 4217 list one (published 2026-01-01). */
const BY_EXPONENT: Record<number, string> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2:
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF ' +
    'CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
    'GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL ' +
    'MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR ' +
    'PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP ' +
    'TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG',
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

/**
 * Every active ISO 4217 currency that has minor units, upper-case code → exponent.
 *
 * @example
 * CURRENCY_EXPONENTS.USD // 2
 * CURRENCY_EXPONENTS.JPY // 0
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(BY_EXPONENT).flatMap(([exp, codes]) => codes.split(' ').map((c) => [c, Number(exp)]))),
);

/** ISO 4217 codes of gold, SDRs, bond units, testing and "no currency": they have no minor unit. */
const NOT_MONEY = new Set('XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX'.split(' '));

/** The largest JSON number taken as exact: doubles hold every decimal of up to 15 digits. */
const MAX_EXACT_FROM_NUMBER = 999_999_999_999_999;

/**
 * Validates an ISO 4217 code (any case) and returns it upper-case; a 400 naming `field` otherwise.
 *
 * @example
 * normalizeCurrency('usd') // 'USD'
 * normalizeCurrency('ABC') // throws validation_failed naming `currency`
 */
export function normalizeCurrency(currency: unknown, field = 'currency'): string {
  if (typeof currency !== 'string') throw validationError(field, 'must be an ISO 4217 currency code such as "USD"');
  const code = currency.trim().toUpperCase();
  if (NOT_MONEY.has(code)) throw validationError(field, `"${code}" is an ISO 4217 code without minor units (a commodity, fund or test code), not a currency to pay in`);
  if (CURRENCY_EXPONENTS[code] === undefined) throw validationError(field, `"${currency.slice(0, 16)}" is not an active ISO 4217 currency code (e.g. "USD", "EUR", "JPY")`);
  return code;
}

/**
 * The number of decimals of a currency's minor unit.
 *
 * @example
 * currencyExponent('kwd') // 3
 */
export function currencyExponent(currency: string, field = 'currency'): number {
  return CURRENCY_EXPONENTS[normalizeCurrency(currency, field)] as number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Converts an amount in major units (a decimal string or a JSON number) into minor units. A 400
 * naming `field` for more decimals than the currency has, negative, non-finite, exponent
 * notation, unsafe sizes or an unknown currency (naming `currency`). Trailing zeros are fine
 * (`"500.00"` JPY is 500). JSON numbers are limited to 15 digits of minor units (what a double
 * holds exactly); larger amounts go as strings or as `amountMinor`.
 *
 * @example
 * toMinorUnits('99.99', 'USD') // 9999
 * toMinorUnits(19.99, 'usd') // 1999
 * toMinorUnits(500, 'JPY') // 500
 * toMinorUnits(1.234, 'KWD') // 1234
 * toMinorUnits(99.999, 'USD') // throws validation_failed naming `amount`
 */
export function toMinorUnits(amount: unknown, currency: string, field = 'amount', currencyField = 'currency'): number {
  const code = normalizeCurrency(currency, currencyField);
  const exponent = CURRENCY_EXPONENTS[code] as number;
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) throw validationError(field, 'must be a finite number');
    if (amount < 0) throw validationError(field, 'must not be negative');
    text = String(amount);
    // String() switches to exponent notation below 1e-6 and from 1e21 on.
    if (text.includes('e')) {
      throw validationError(field, amount < 1 ? `has more decimals than ${code} allows (${exponent})` : 'is too large');
    }
  } else if (typeof amount === 'string') {
    text = amount;
    if (/^\s*(NaN|[+-]?Infinity)\s*$/i.test(text)) throw validationError(field, 'must be a finite number');
    if (/^\s*-/.test(text)) throw validationError(field, 'must not be negative');
    if (/^[+]?\d*\.?\d*[eE]/.test(text)) throw validationError(field, 'exponent notation is not accepted; write the plain decimal, e.g. "1000.50"');
  } else {
    throw validationError(field, 'must be a decimal string such as "99.99" or a JSON number');
  }
  const m = DECIMAL.exec(text);
  if (!m) throw validationError(field, `"${text.slice(0, 32)}" is not a decimal amount; write digits with an optional "." such as "99.99"`);
  const whole = m[1] as string;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) {
    throw validationError(field, `has ${fraction.length} decimals but ${code} allows ${exponent === 0 ? 'none' : `at most ${exponent}`}`);
  }
  const digits = `${whole}${fraction.padEnd(exponent, '0')}`.replace(/^0+(?=\d)/, '');
  const minor = digits.length > 16 ? Infinity : Number(digits);
  if (!Number.isSafeInteger(minor)) throw validationError(field, `is too large: at most ${formatMinor(Number.MAX_SAFE_INTEGER, code)} ${code}`);
  if (typeof amount === 'number' && minor > MAX_EXACT_FROM_NUMBER) {
    throw validationError(field, `is too large to be exact as a JSON number; send it as a decimal string ("${formatMinor(minor, code)}") or as amountMinor`);
  }
  return minor;
}

/** The amount fields a request may carry: exactly one of them. */
export interface AmountInput {
  /** Major units: a decimal string (`"99.99"`) or a JSON number (`99.99`). */
  amount?: unknown;
  /** Minor units: a JSON integer (`9999` for USD 99.99). */
  amountMinor?: unknown;
}

/** An exact amount: integer minor units and the upper-case currency. */
export interface Money {
  minor: number;
  currency: string;
}

/**
 * Reads `{amount}` or `{amountMinor}` (exactly one) with a currency into {@link Money}.
 *
 * @example
 * parseAmount({ amount: '99.99' }, 'usd') // { minor: 9999, currency: 'USD' }
 * parseAmount({ amountMinor: 9999 }, 'USD') // { minor: 9999, currency: 'USD' }
 * parseAmount({ amount: 1, amountMinor: 100 }, 'USD') // throws: send one of them
 */
export function parseAmount(input: AmountInput, currency: unknown, fields: { amount?: string; amountMinor?: string; currency?: string } = {}): Money {
  const f = { amount: 'amount', amountMinor: 'amountMinor', currency: 'currency', ...fields };
  const code = normalizeCurrency(currency, f.currency);
  const hasMajor = input.amount !== undefined && input.amount !== null;
  const hasMinor = input.amountMinor !== undefined && input.amountMinor !== null;
  if (hasMajor && hasMinor) throw validationError(f.amount, `send either ${f.amount} (major units) or ${f.amountMinor} (minor units), not both`);
  if (hasMajor) return { minor: toMinorUnits(input.amount, code, f.amount, f.currency), currency: code };
  if (!hasMinor) throw validationError(f.amount, `is required: a decimal string such as "99.99", a JSON number, or ${f.amountMinor} as an integer of minor units`);
  const minor = input.amountMinor;
  if (typeof minor !== 'number' || !Number.isFinite(minor)) throw validationError(f.amountMinor, 'must be an integer of minor units (cents for USD)');
  if (minor < 0) throw validationError(f.amountMinor, 'must not be negative');
  if (!Number.isInteger(minor)) throw validationError(f.amountMinor, 'must be an integer of minor units; use amount for a decimal value');
  if (!Number.isSafeInteger(minor)) throw validationError(f.amountMinor, `is too large: at most ${Number.MAX_SAFE_INTEGER}`);
  return { minor, currency: code };
}

/**
 * Minor units back to a plain decimal string in major units.
 *
 * @example
 * formatMinor(9999, 'USD') // '99.99'
 * formatMinor(500, 'JPY') // '500'
 * formatMinor(5, 'KWD') // '0.005'
 */
export function formatMinor(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw validationError('amount', 'must be a safe integer of minor units');
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const text = exponent === 0 ? whole : `${whole}.${digits.slice(-exponent)}`;
  return minor < 0 ? `-${text}` : text;
}
