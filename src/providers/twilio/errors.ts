/**
 * Twilio's error answers → hub errors. Every 4xx/5xx of the 2010-04-01 and v2 APIs is JSON
 * `{ code, message, more_info, status }`; `code` is Twilio's own number (21211 invalid To, 21610
 * unsubscribed recipient, 20003 authentication, 20429 too many requests, …).
 *
 * @see https://www.twilio.com/docs/api/errors
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/sms/errors.js'; // registers the sms error codes this file uses
import '../../categories/voice/errors.js'; // registers call_refused

const PROVIDER = 'twilio';

/** Twilio's error body. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info?: string;
  status: number;
}

/** Twilio codes that mean the number itself is wrong: every provider would refuse it. */
const BAD_NUMBER = new Set([21211, 21214, 21217, 21401, 21407, 21408, 21421, 21612, 21614, 63003]);
/** The recipient replied STOP. */
export const TWILIO_UNSUBSCRIBED = 21610;

/**
 * Reads Twilio's error body; a non-JSON body becomes its text.
 *
 * @example
 * twilioErrorOf(res) // { code: 21211, message: "The 'To' number +1 is not a valid phone number.", status: 400 }
 */
export function twilioErrorOf(res: HttpResponse): TwilioErrorBody {
  try {
    const body = res.json<Partial<TwilioErrorBody> | null>();
    if (body && typeof body.message === 'string') {
      return { code: Number(body.code) || 0, message: body.message, more_info: body.more_info, status: Number(body.status) || res.status };
    }
  } catch {
    // not JSON
  }
  const text = res.text.trim();
  return { code: 0, message: text ? text.slice(0, 300) : `HTTP ${res.status}`, status: res.status };
}

/**
 * Maps one Twilio error answer to a HubError.
 *
 * @example
 * mapTwilioError(res) // HubError invalid_phone_number (Twilio 21211)
 */
export function mapTwilioError(res: HttpResponse, now: number = Date.now()): HubError {
  const e = twilioErrorOf(res);
  const said = e.code ? `Twilio ${e.code}: ${e.message}` : e.message;
  const make = (code: ErrorCode, message: string, retryAfter?: number) =>
    new HubError(code, message, {
      provider: PROVIDER,
      providerStatus: res.status,
      providerCode: e.code ? String(e.code) : undefined,
      retryAfter,
      details: { twilioCode: e.code || undefined, moreInfo: e.more_info },
    });
  if (e.code === TWILIO_UNSUBSCRIBED) {
    return make('recipient_opted_out', `${said}. The recipient replied STOP to this sender; they must reply START before you can message them again.`);
  }
  if (BAD_NUMBER.has(e.code)) return make('invalid_phone_number', `${said}. Check the number (E.164, a mobile number, a region your account may send to).`);
  if (res.status === 401 || e.code === 20003) {
    return make('provider_auth_failed', `${said}. Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Console → Account Info); a rotated token invalidates the old one.`);
  }
  if (res.status === 403) return make('provider_auth_failed', `${said}. The account may not use this feature or sender.`);
  if (res.status === 404) return make('not_found', `${said}.`);
  if (res.status === 429 || e.code === 20429) {
    const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
    return make('provider_rate_limited', `${said}. Twilio's rate limit is reached${retryAfter === undefined ? '' : `; retry after ${retryAfter} s`}: lower RATE_LIMIT_TWILIO.`, retryAfter);
  }
  if (res.status >= 500) return make('provider_unavailable', `Twilio is unavailable (HTTP ${res.status}: ${said}); try again later.`);
  if (res.status >= 400 && res.status < 500) return make('provider_rejected', `Twilio rejected the request (${said}); sending the same request again fails the same way.`);
  return make('provider_error', `Twilio answered HTTP ${res.status}: ${said}.`);
}

/** Twilio codes that mean the call itself cannot be placed: a caller ID not of the account, a number it may not call. */
const REFUSED = new Set([21210, 21212, 21213, 21215, 21216, 13223, 13224]);

/** Twilio's error answer, with the codes only calls have mapped to `call_refused`. */
export function mapTwilioVoiceError(res: HttpResponse): HubError {
  const err = mapTwilioError(res);
  if (!REFUSED.has(Number(err.providerCode))) return err;
  return new HubError('call_refused', `${err.message.replace(/\.\s.*$/, '.')} Use a caller ID that is a number of this Twilio account (or a verified caller ID) and a number the account may call.`, {
    provider: PROVIDER, providerStatus: err.providerStatus, providerCode: err.providerCode, details: err.details,
  });
}
