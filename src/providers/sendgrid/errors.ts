/**
 * SendGrid's error answers → the hub's error codes.
 *
 * SendGrid answers `{"errors":[{"message","field","help"}]}`, several errors at once for one bad
 * request. A refused recipient is a 400 whose `field` names the address
 * (`personalizations.0.to.1.email`); another provider would refuse it too, so it does not fail over.
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors
 * @see https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/responses
 */
import { HubError, type ErrorCode, type FieldError } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/email/errors.js'; // registers the email error codes this file uses

const PROVIDER = 'sendgrid';

/** One entry of SendGrid's `errors` array. */
export interface SendgridErrorItem {
  message: string;
  field?: string | null;
  help?: unknown;
}

/** The body of a SendGrid error answer. */
export interface SendgridErrorBody {
  errors: SendgridErrorItem[];
  /** An error id, on some answers. */
  id?: string;
}

/** A field naming one recipient address: `personalizations.0.to.1.email`, `personalizations.0.cc`. */
const RECIPIENT_FIELD = /^personalizations\.\d+\.(to|cc|bcc)(\.\d+(\.email)?)?$/;
const RECIPIENT_MESSAGE = /valid (email )?address/i;

/**
 * The `errors` of an answer; a non-JSON answer (a proxy's HTML page) becomes one item with its text.
 *
 * @example
 * sendgridErrors(res) // [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }]
 */
export function sendgridErrors(res: HttpResponse): SendgridErrorItem[] {
  try {
    const body = res.json<Partial<SendgridErrorBody> | null>();
    const items = Array.isArray(body?.errors) ? body.errors : [];
    const usable = items.filter((e): e is SendgridErrorItem => typeof e?.message === 'string');
    if (usable.length > 0) return usable;
  } catch {
    // not JSON: fall through to the text
  }
  const text = res.text.trim();
  return [{ message: text ? (text.length > 300 ? `${text.slice(0, 300)}…` : text) : `HTTP ${res.status}`, field: null }];
}

/** Seconds to wait: `Retry-After` (seconds or HTTP date), else `X-RateLimit-Reset` (epoch seconds). */
function retryAfterOf(res: HttpResponse, now: number): number | undefined {
  const header = parseRetryAfter(res.headers['retry-after'], now);
  if (header !== undefined) return Math.ceil(header);
  const reset = Number(res.headers['x-ratelimit-reset']);
  if (res.headers['x-ratelimit-reset'] && Number.isFinite(reset)) return Math.max(0, Math.ceil(reset - now / 1000));
  return undefined;
}

function describe(items: SendgridErrorItem[]): string {
  return items.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

function isRecipientError(item: SendgridErrorItem): boolean {
  return typeof item.field === 'string' && RECIPIENT_FIELD.test(item.field) && RECIPIENT_MESSAGE.test(item.message);
}

/**
 * Maps a non-2xx SendGrid answer to a HubError (the manifest's `mapError`).
 *
 * @example
 * const err = mapSendgridError({ status: 401, headers: {}, text: '{"errors":[{"message":"authorization required","field":null}]}', json: () => ({ errors: [{ message: 'authorization required', field: null }] }) });
 * err.code // 'provider_auth_failed'
 */
export function mapSendgridError(res: HttpResponse, now: number = Date.now()): HubError {
  const items = sendgridErrors(res);
  const said = describe(items);
  const fields: FieldError[] = items.filter((e) => e.field).map((e) => ({ field: String(e.field), message: e.message }));
  const first = items.find((e) => e.field) ?? items[0];
  const make = (code: ErrorCode, message: string, extra: { providerCode?: string; retryAfter?: number } = {}) =>
    new HubError(code, message, {
      provider: PROVIDER,
      providerStatus: res.status,
      providerCode: extra.providerCode ?? first?.field ?? undefined,
      retryAfter: extra.retryAfter,
      errors: fields.length > 0 ? fields : undefined,
      details: { sendgridErrors: items },
    });

  const status = res.status;
  if (status === 400) {
    const recipient = items.find(isRecipientError);
    if (recipient) {
      return make('invalid_recipient', `SendGrid refused the recipient address (${recipient.field}): "${recipient.message}". Correct or remove the address; every provider would refuse it.`, {
        providerCode: String(recipient.field),
      });
    }
    return make('provider_rejected', `SendGrid rejected the message: ${said}. Fix the named field(s); sending the same request again fails the same way.`);
  }
  if (status === 413) {
    return make('provider_rejected', `SendGrid refused the message as too large (${said}): the whole request, attachments included, must stay under 30 MB.`);
  }
  if (status === 401) {
    return make('provider_auth_failed', `SendGrid refused the API key (${said}): check SENDGRID_API_KEY is a current key (it starts with "SG.").`);
  }
  if (status === 403) {
    return make('provider_auth_failed', `SendGrid forbade the request (${said}): give the API key the "Mail Send" permission, and use a from address that is a verified Sender Identity.`);
  }
  if (status === 429) {
    const retryAfter = retryAfterOf(res, now);
    const wait = retryAfter === undefined ? '' : ` Retry after ${retryAfter} s.`;
    return make('provider_rate_limited', `SendGrid's rate limit is reached (${said}).${wait}`, { retryAfter });
  }
  if (status >= 500) {
    return make('provider_unavailable', `SendGrid is unavailable (HTTP ${status}: ${said}); the message was not accepted, try again later.`);
  }
  return make('provider_error', `SendGrid answered HTTP ${status}: ${said}.`);
}
