/**
 * Twilio Lookup v2: who owns a number (CNAM caller name) and what kind of line it is.
 * `lookups.twilio.com` is another host than the API's; in sandbox mode the emulator serves both.
 *
 * @see https://www.twilio.com/docs/lookup/v2-api
 */
import type { NumberLookup } from '../../categories/voice/contract.js';
import type { ProviderContext } from '../../kit/connection.js';
import type { TwilioCredentials } from './manifest.js';
import type { TwilioLookupResource } from './voice-resources.js';
import { mapTwilioVoiceError } from './errors.js';

export const TWILIO_LOOKUP_BASE = 'https://lookups.twilio.com';

/** Where Lookup lives for a connection: Twilio's host for the real API, the connection's base otherwise (the emulator). */
export function lookupBase(apiBase: string): string {
  return /^https:\/\/api\.twilio\.com\/?$/.test(apiBase) ? TWILIO_LOOKUP_BASE : apiBase.replace(/\/+$/, '');
}

/**
 * Looks a number up with `Fields=caller_name,line_type_intelligence`.
 *
 * @example
 * await twilioLookup(ctx, '+14155552671') // { valid: true, callerName: 'ACME', lineType: 'mobile', … }
 */
export async function twilioLookup(ctx: ProviderContext<TwilioCredentials>, phoneNumber: string): Promise<NumberLookup> {
  const res = await ctx.http.request({
    method: 'GET',
    path: `${lookupBase(ctx.connection.baseUrl)}/v2/PhoneNumbers/${encodeURIComponent(phoneNumber)}`,
    query: { Fields: 'caller_name,line_type_intelligence' },
    // Another host than the connection's: its credentials go there explicitly.
    auth: { type: 'basic', username: '{accountSid}', password: '{authToken}' },
    mapError: mapTwilioVoiceError,
    operation: 'voice.lookup',
  });
  const r = res.json<TwilioLookupResource>();
  return {
    provider: 'twilio',
    phoneNumber: r.phone_number,
    valid: r.valid,
    countryCode: r.country_code,
    nationalFormat: r.national_format,
    callerName: r.caller_name?.caller_name ?? null,
    callerType: r.caller_name?.caller_type ?? null,
    lineType: r.line_type_intelligence?.type ?? null,
    carrierName: r.line_type_intelligence?.carrier_name ?? null,
    raw: r,
  };
}
