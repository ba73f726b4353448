/**
 * CalDAV error answers → hub errors. CalDAV servers answer a status and, for a failed
 * precondition, an XML `<D:error>` naming it (RFC 4791 §1.3, RFC 6578 §3.2): a sync token the
 * server no longer honours is `<D:valid-sync-token/>` with 403 (Radicale) or 409 (others).
 * A 404 means a calendar or an event depending on the request: the connector passes the code it
 * means ({@link caldavErrorMapper}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc4791#section-1.3
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import type { ErrorMapper, HttpResponse } from '../../transport/types.js';
import '../../categories/calendar/errors.js'; // registers calendar_conflict, calendar_sync_expired, calendar_*_not_found

/** The precondition names RFC 4791 and RFC 6578 put in `<D:error>`, when the answer has one. */
function precondition(text: string): string | undefined {
  const m = /<(?:[\w-]+:)?error\b[^>]*>\s*<(?:[\w-]+:)?([\w-]+)/i.exec(text);
  return m?.[1];
}

/** A short readable reason: the precondition, else the text without markup. */
function reason(res: HttpResponse): string {
  const pre = precondition(res.text);
  if (pre) return `precondition ${pre} failed`;
  const plain = res.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.slice(0, 200) || 'no message';
}

/**
 * Maps a CalDAV answer; `notFound` is what a 404 means for this request.
 *
 * @example
 * mapCaldavError(toResponse({ status: 412, headers: {}, text: '' })).code // 'calendar_conflict'
 */
export function mapCaldavError(res: HttpResponse, notFound: ErrorCode = 'not_found'): HubError {
  const pre = precondition(res.text);
  const message = `The CalDAV server answered ${res.status}: ${reason(res)}`;
  const opts = { provider: 'caldav', providerStatus: res.status, ...(pre && { providerCode: pre }) };
  if (pre === 'valid-sync-token') return new HubError('calendar_sync_expired', `${message}; the sync token is no longer valid: sync again from the start`, opts);
  if (res.status === 401) return new HubError('provider_auth_failed', `${message}; the server refused the login: check CALDAV_USERNAME and CALDAV_PASSWORD (an app password where the server asks for one)`, opts);
  // A 403 naming a precondition (valid-calendar-data, no-uid-conflict, …) refuses the data, not the account.
  if (res.status === 403 && pre) return new HubError('provider_rejected', message, opts);
  if (res.status === 403) return new HubError('provider_auth_failed', `${message}; the account may not access this calendar or event`, opts);
  if (res.status === 404 || res.status === 410) return new HubError(notFound, message, opts);
  if (res.status === 412) return new HubError('calendar_conflict', `${message}; the event changed at the server since it was read (ETag mismatch): read it again and retry`, opts);
  if (res.status === 429) return new HubError('provider_rate_limited', message, opts);
  if (res.status >= 500) return new HubError('provider_unavailable', message, opts);
  if (res.status === 400 || res.status === 409 || res.status === 415 || res.status === 422) return new HubError('provider_rejected', message, opts);
  return new HubError('provider_error', message, opts);
}

/**
 * The mapper of requests whose 404 means `notFound`.
 *
 * @example
 * await http.request({ method: 'GET', path: href, operation: 'calendar.event.get', mapError: caldavErrorMapper('calendar_event_not_found') });
 */
export const caldavErrorMapper =
  (notFound: ErrorCode): ErrorMapper =>
  (res) =>
    mapCaldavError(res, notFound);
