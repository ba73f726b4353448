/**
 * Lookup v2 in the Twilio emulator: `GET /v2/PhoneNumbers/{PhoneNumber}` with `Fields`
 * (`caller_name`, `line_type_intelligence`), served on the emulator's own origin (Twilio's is
 * `lookups.twilio.com`). Numbers are checked by `libphonenumber-js`; the caller name and line
 * type come from `setLookup` or a sandbox default.
 *
 * @see https://www.twilio.com/docs/lookup/v2-api
 */
import type { FastifyInstance } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { TwilioLookupResource } from '../voice-resources.js';
import type { TwilioEmulatorState } from './state.js';

export interface LookupAnswer {
  callerName?: string | null;
  callerType?: 'BUSINESS' | 'CONSUMER' | null;
  lineType?: string | null;
  carrierName?: string | null;
}

export interface TwilioLookupControls {
  /** What a lookup of `number` answers. */
  setLookup(number: string, answer: LookupAnswer): void;
}

const SANDBOX: Required<LookupAnswer> = { callerName: 'SANDBOX CALLER', callerType: 'CONSUMER', lineType: 'mobile', carrierName: 'Sandbox Wireless' };

export function lookupPart(app: FastifyInstance, state: TwilioEmulatorState): TwilioLookupControls {
  const answers = new Map<string, LookupAnswer>();

  app.get<{ Params: { number: string }; Querystring: { Fields?: string; CountryCode?: string } }>('/v2/PhoneNumbers/:number', { onRequest: state.authenticate }, async (req) => {
    const asked = req.params.number;
    const fields = new Set((req.query.Fields ?? '').split(',').map((f) => f.trim()).filter(Boolean));
    const parsed = parsePhoneNumberFromString(asked, (req.query.CountryCode as never) ?? undefined);
    const valid = parsed?.isValid() ?? false;
    const number = valid ? parsed!.number : asked;
    const a = { ...SANDBOX, ...answers.get(number) };
    const r: TwilioLookupResource = {
      calling_country_code: parsed ? parsed.countryCallingCode : null,
      country_code: parsed?.country ?? null,
      phone_number: number,
      national_format: parsed ? parsed.formatNational() : null,
      valid,
      validation_errors: valid ? [] : [parsed ? 'INVALID_LENGTH' : 'NOT_A_NUMBER'],
      caller_name: fields.has('caller_name') && valid ? { caller_name: a.callerName, caller_type: a.callerType, error_code: null } : null,
      sim_swap: null,
      call_forwarding: null,
      line_status: null,
      line_type_intelligence: fields.has('line_type_intelligence') && valid ? { carrier_name: a.carrierName, error_code: null, mobile_country_code: a.lineType === 'mobile' ? '310' : null, mobile_network_code: a.lineType === 'mobile' ? '456' : null, type: a.lineType } : null,
      identity_match: null,
      reassigned_number: null,
      sms_pumping_risk: null,
      phone_number_quality_score: null,
      pre_fill: null,
      url: `https://lookups.twilio.com/v2/PhoneNumbers/${encodeURIComponent(number)}`,
    };
    return r;
  });

  return {
    setLookup(number, answer) {
      answers.set(number, answer);
    },
  };
}
