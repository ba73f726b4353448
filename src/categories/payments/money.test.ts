import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { CURRENCY_EXPONENTS, currencyExponent, formatMinor, normalizeCurrency, parseAmount, toMinorUnits } from './money.js';

/** The 400 a call throws: code, the one field it names, and the message. */
function refusal(fn: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    const e = err as HubError;
    expect(e.status).toBe(400);
    expect(e.errors).toHaveLength(1);
    return { code: e.code, field: e.errors?.[0]?.field, message: e.message };
  }
  throw new Error('expected a refusal');
}

describe('currency table', () => {
  it('has the exponents of ISO 4217 list one', () => {
    const expected: Record<string, number> = { USD: 2, EUR: 2, GBP: 2, JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, XOF: 0, UGX: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 3, LYD: 3, CLF: 4, UYW: 4, HUF: 2, IDR: 2, XCG: 2, ZWG: 2, SLE: 2, VED: 2 };
    for (const [code, exp] of Object.entries(expected)) expect([code, CURRENCY_EXPONENTS[code]]).toEqual([code, exp]);
  });

  it('agrees with Node’s ICU (CLDR) except where CLDR knowingly departs from ISO 4217', () => {
    const icu = new Set(Intl.supportedValuesOf('currency'));
    const codes = Object.keys(CURRENCY_EXPONENTS);
    expect(codes.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
    // Fund codes and the newest codes are not in ICU 78.
    expect(codes.filter((c) => !icu.has(c)).sort()).toEqual(['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'VED', 'XAD']);
    const cldrDigits = (c: string) => new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits;
    const differing = codes.filter((c) => icu.has(c) && cldrDigits(c) !== CURRENCY_EXPONENTS[c]).sort();
    // CLDR shows these without decimals (nobody uses the minor unit); ISO 4217 and the providers keep it.
    expect(differing).toEqual(['AFN', 'ALL', 'COP', 'HUF', 'IDR', 'IQD', 'IRR', 'KPW', 'LAK', 'LBP', 'MGA', 'MMK', 'PKR', 'SOS', 'SYP', 'YER']);
  });

  it('takes codes in any case and answers upper-case; refuses others naming `currency`', () => {
    expect(normalizeCurrency('usd')).toBe('USD');
    expect(normalizeCurrency(' Eur ')).toBe('EUR');
    expect(currencyExponent('kwd')).toBe(3);
    for (const bad of ['ABC', 'US', 'USDT', '', 'XAU', 'XXX', 'DEM', 42, null, undefined]) {
      expect(refusal(() => normalizeCurrency(bad))).toMatchObject({ code: 'validation_failed', field: 'currency' });
    }
    expect(refusal(() => normalizeCurrency('XAU')).message).toMatch(/without minor units/);
    expect(refusal(() => toMinorUnits('1', 'ABC')).field).toBe('currency');
    expect(refusal(() => parseAmount({ amount: 1 }, 'abc', { currency: 'price.currency' })).field).toBe('price.currency');
  });
});

describe('toMinorUnits', () => {
  it('converts with each currency’s exponent', () => {
    expect(toMinorUnits(99.99, 'USD')).toBe(9999);
    expect(toMinorUnits('99.99', 'USD')).toBe(9999);
    expect(toMinorUnits(500, 'JPY')).toBe(500);
    expect(toMinorUnits('500', 'jpy')).toBe(500);
    expect(toMinorUnits(1.234, 'KWD')).toBe(1234);
    expect(toMinorUnits('0.0001', 'CLF')).toBe(1);
    expect(toMinorUnits(99.99, 'usd')).toBe(9999);
    expect(toMinorUnits(0, 'USD')).toBe(0);
    expect(toMinorUnits('0.05', 'USD')).toBe(5);
    expect(toMinorUnits(7, 'EUR')).toBe(700);
  });

  it('never multiplies floats: values that are inexact in binary come out exact', () => {
    // 19.99 * 100 === 1998.9999999999998 and 0.1 + 0.2 === 0.30000000000000004 in floating point.
    expect(19.99 * 100).not.toBe(1999);
    expect(toMinorUnits(19.99, 'USD')).toBe(1999);
    expect(toMinorUnits(0.3, 'USD')).toBe(30);
    expect(toMinorUnits(1.1, 'USD')).toBe(110);
    expect(toMinorUnits(4.35, 'USD')).toBe(435);
    expect(toMinorUnits(1.005, 'KWD')).toBe(1005);
    for (let cents = 0; cents < 100_000; cents += 7) expect(toMinorUnits(Number((cents / 100).toFixed(2)), 'USD')).toBe(cents);
    // 0.1 + 0.2 is not 0.3: it has 17 decimals, which USD does not allow.
    expect(refusal(() => toMinorUnits(0.1 + 0.2, 'USD')).field).toBe('amount');
  });

  it('refuses more decimals than the currency has, naming the field', () => {
    expect(refusal(() => toMinorUnits(99.999, 'USD')).message).toMatch(/amount: has 3 decimals but USD allows at most 2/);
    expect(refusal(() => toMinorUnits('99.999', 'USD')).field).toBe('amount');
    expect(refusal(() => toMinorUnits(1.005, 'USD')).field).toBe('amount');
    expect(refusal(() => toMinorUnits(500.5, 'JPY')).message).toMatch(/JPY allows none/);
    expect(refusal(() => toMinorUnits('1.2345', 'KWD')).field).toBe('amount');
    expect(refusal(() => toMinorUnits(1e-7, 'USD')).message).toMatch(/decimals/);
    expect(refusal(() => toMinorUnits(0.5, 'JPY', 'items.2.price')).field).toBe('items.2.price');
  });

  it('accepts trailing zeros: the value counts, not the spelling', () => {
    expect(toMinorUnits('500.00', 'JPY')).toBe(500);
    expect(toMinorUnits('99.9900', 'USD')).toBe(9999);
    expect(toMinorUnits('007.50', 'USD')).toBe(750);
  });

  it('refuses negative, non-finite, exponent notation and malformed amounts, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [-1, /negative/],
      [-0.01, /negative/],
      ['-5.00', /negative/],
      [NaN, /finite/],
      [Infinity, /finite/],
      [-Infinity, /finite/],
      ['NaN', /finite/],
      ['Infinity', /finite/],
      ['1e3', /exponent notation/],
      ['1.5E2', /exponent notation/],
      ['', /not a decimal amount/],
      ['.5', /not a decimal amount/],
      ['5.', /not a decimal amount/],
      [' 5', /not a decimal amount/],
      ['1,000.00', /not a decimal amount/],
      ['0x10', /not a decimal amount/],
      [true, /decimal string/],
      [{ minor: 100 }, /decimal string/],
      [10n, /decimal string/],
    ];
    for (const [amount, message] of cases) {
      const r = refusal(() => toMinorUnits(amount, 'USD', 'price'));
      expect([amount, r.code, r.field]).toEqual([amount, 'validation_failed', 'price']);
      expect(r.message).toMatch(message);
    }
  });

  it('handles big values exactly up to Number.MAX_SAFE_INTEGER minor units', () => {
    expect(toMinorUnits('90071992547409.91', 'USD')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toMinorUnits('9007199254740991', 'JPY')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toMinorUnits(9999999999999.99, 'USD')).toBe(999999999999999);
    expect(refusal(() => toMinorUnits('90071992547409.92', 'USD')).message).toMatch(/too large/);
    expect(refusal(() => toMinorUnits('123456789012345678901234567890', 'USD')).message).toMatch(/too large/);
    expect(refusal(() => toMinorUnits(1e21, 'USD')).message).toMatch(/too large/);
    // A double near 2^53 cents cannot hold every cent: as a JSON number that is refused, not rounded.
    expect(refusal(() => toMinorUnits(90071992547409.9, 'USD')).message).toMatch(/decimal string \("90071992547409.90"\) or as amountMinor/);
    expect(refusal(() => toMinorUnits(Number.MAX_SAFE_INTEGER, 'JPY')).field).toBe('amount');
  });
});

describe('parseAmount', () => {
  it('takes amount (major units) or amountMinor (an integer of minor units)', () => {
    expect(parseAmount({ amount: '99.99' }, 'usd')).toEqual({ minor: 9999, currency: 'USD' });
    expect(parseAmount({ amount: 99.99 }, 'USD')).toEqual({ minor: 9999, currency: 'USD' });
    expect(parseAmount({ amountMinor: 9999 }, 'USD')).toEqual({ minor: 9999, currency: 'USD' });
    expect(parseAmount({ amountMinor: 1234, amount: null }, 'kwd')).toEqual({ minor: 1234, currency: 'KWD' });
    expect(parseAmount({ amountMinor: Number.MAX_SAFE_INTEGER }, 'USD').minor).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses both, neither, and bad minor units, naming the field', () => {
    expect(refusal(() => parseAmount({ amount: 1, amountMinor: 100 }, 'USD')).message).toMatch(/either amount .* or amountMinor/);
    expect(refusal(() => parseAmount({}, 'USD')).field).toBe('amount');
    for (const bad of [99.5, -1, NaN, Infinity, '9999', Number.MAX_SAFE_INTEGER + 1, 1e300]) {
      expect(refusal(() => parseAmount({ amountMinor: bad }, 'USD')).field).toBe('amountMinor');
    }
    expect(refusal(() => parseAmount({ amount: '1.001' }, 'USD', { amount: 'refund.amount' })).field).toBe('refund.amount');
    expect(refusal(() => parseAmount({ amount: '1' }, 'ABC')).field).toBe('currency');
  });
});

describe('formatMinor', () => {
  it('turns minor units back into a decimal string', () => {
    expect(formatMinor(9999, 'USD')).toBe('99.99');
    expect(formatMinor(5, 'usd')).toBe('0.05');
    expect(formatMinor(0, 'USD')).toBe('0.00');
    expect(formatMinor(500, 'JPY')).toBe('500');
    expect(formatMinor(1234, 'KWD')).toBe('1.234');
    expect(formatMinor(5, 'KWD')).toBe('0.005');
    expect(formatMinor(1, 'CLF')).toBe('0.0001');
    expect(formatMinor(-150, 'EUR')).toBe('-1.50');
    expect(formatMinor(Number.MAX_SAFE_INTEGER, 'USD')).toBe('90071992547409.91');
  });

  it('round-trips with toMinorUnits for every currency', () => {
    for (const code of Object.keys(CURRENCY_EXPONENTS)) {
      for (const minor of [0, 1, 7, 99, 100, 12345, 987654321]) expect(toMinorUnits(formatMinor(minor, code), code)).toBe(minor);
    }
  });

  it('refuses non-integers and unknown currencies', () => {
    expect(refusal(() => formatMinor(1.5, 'USD')).field).toBe('amount');
    expect(refusal(() => formatMinor(1, 'ABC')).field).toBe('currency');
  });
});
