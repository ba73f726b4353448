/**
 * Phone numbers, for every category that dials or texts (sms, voice): every number the hub sends to is E.164 (`+14155552671`), checked with
 * libphonenumber-js. A number in another form is refused with the E.164 form to use when it can
 * be worked out (from a default country such as `SMS_DEFAULT_COUNTRY`, else as a North American number), so a caller sees
 * "to: use E.164, e.g. +14155552671" rather than a provider's error code.
 *
 * @see https://www.twilio.com/docs/glossary/what-e164
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js';

const E164 = /^\+[1-9]\d{6,14}$/;
const PLUS_DIGITS = /^\+\d{1,20}$/;

/**
 * The E.164 form of `value`, or a sentence saying what is wrong and what to send instead.
 *
 * @example
 * checkE164('+14155552671') // { ok: true, e164: '+14155552671' }
 * checkE164('(415) 555-2671') // { ok: false, message: 'use E.164, e.g. +14155552671' }
 * checkE164('0044 20 7946 0958') // { ok: false, message: 'use E.164, e.g. +442079460958' }
 * checkE164('+1415') // { ok: false, message: '"+1415" is too short for a phone number; use E.164, …' }
 */
export function checkE164(value: string, defaultCountry?: string): { ok: true; e164: string } | { ok: false; message: string } {
  const text = value.trim().replace(/^whatsapp:/i, '');
  if (PLUS_DIGITS.test(text)) {
    const parsed = parsePhoneNumberFromString(text);
    if (parsed?.isValid()) return { ok: true, e164: parsed.number };
    const length = validatePhoneNumberLength(text);
    const why = length === 'TOO_SHORT' ? 'is too short' : length === 'TOO_LONG' ? 'is too long' : length === 'INVALID_COUNTRY' ? 'has no valid country code' : 'is not a valid number';
    return { ok: false, message: `"${text}" ${why} for a phone number; use E.164: "+", the country code and the number, e.g. +14155552671` };
  }
  // An international prefix (00, 011) where E.164 has its "+".
  const international = /^(?:00|011)(\d{6,15})$/.exec(text.replace(/[\s().-]/g, ''));
  const abroad = international ? parsePhoneNumberFromString(`+${international[1]}`) : undefined;
  if (abroad?.isValid()) return { ok: false, message: `use E.164, e.g. ${abroad.number}` };
  const country = (defaultCountry ?? 'US').toUpperCase() as CountryCode;
  const guess = text.startsWith('+') ? undefined : parsePhoneNumberFromString(text, country);
  if (guess?.isValid()) {
    // With SMS_DEFAULT_COUNTRY set, national forms of that country are accepted as they are.
    if (defaultCountry) return { ok: true, e164: guess.number };
    return { ok: false, message: `use E.164, e.g. ${guess.number}` };
  }
  const cleaned = text.replace(/[\s().-]/g, '');
  if (E164.test(cleaned) && parsePhoneNumberFromString(cleaned)?.isValid()) return { ok: false, message: `use E.164 without spaces or punctuation, e.g. ${cleaned}` };
  return { ok: false, message: `"${text.slice(0, 40)}" is not a phone number; use E.164: "+", the country code and the number, e.g. +14155552671` };
}
