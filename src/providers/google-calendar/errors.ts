/**
 * Google Calendar's error answers → the hub's error codes.
 *
 * Google answers `{"error":{"code","message","errors":[{"domain","reason","message"}]}}` (Gmail's
 * shape, read by its `googleError`). Surprising parts: a per-user rate limit is a 403
 * (`rateLimitExceeded`, `userRateLimitExceeded`, or `usageLimits` domain reasons), not only a 429;
 * a deleted event answers 410 `deleted` ("Resource has been deleted") where a sync token answers
 * 410 `fullSyncRequired`; a 404 says `notFound` whether the calendar or the event is missing, so
 * the caller says which it asked for.
 *
 * @see https://developers.google.com/calendar/api/guides/errors
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { ErrorMapper, HttpResponse } from '../../transport/types.js';
import { googleError } from '../gmail/errors.js';
import '../../categories/calendar/errors.js'; // registers the calendar error codes used here
import '../../categories/meetings/errors.js'; // and meeting_not_found

/** What a call asked for: a 404 names it. */
export type GoogleResource = 'calendar' | 'event' | 'sync' | 'meeting';

const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);
const NOT_FOUND: Record<GoogleResource, ErrorCode> = { calendar: 'calendar_not_found', event: 'calendar_event_not_found', sync: 'calendar_not_found', meeting: 'meeting_not_found' };

/**
 * Maps a non-2xx Calendar answer to a HubError, for a call about `resource`.
 *
 * @example
 * mapGoogleCalendarError(res, 'sync') // 410 fullSyncRequired → calendar_sync_expired
 */
export function mapGoogleCalendarError(res: HttpResponse, resource: GoogleResource, provider = resource === 'meeting' ? 'google-meet' : 'google-calendar', now = Date.now()): HubError {
  const e = googleError(res);
  const reason = e.errors?.find((i) => i.reason)?.reason;
  const said = `${e.message}${reason ? ` (${reason})` : ''}`;
  const name = provider === 'google-meet' ? 'Google Meet (Calendar API)' : 'Google Calendar';
  const make = (code: ErrorCode, message: string, retryAfter?: number) =>
    new HubError(code, message, { provider, providerStatus: res.status, providerCode: reason ?? e.status, retryAfter, details: { googleError: e } });
  const status = res.status;
  const retryAfter = () => parseRetryAfter(res.headers['retry-after'], now);

  if (status === 410 && (resource === 'sync' || reason === 'fullSyncRequired' || reason === 'updatedMinTooLongAgo')) {
    return make('calendar_sync_expired', `${name} no longer honours the sync token (${said}): sync again without one, and treat events absent from the full sync as deleted.`);
  }
  if (status === 404 || status === 410) {
    const what = resource === 'calendar' || resource === 'sync' ? 'calendar' : resource === 'meeting' ? 'meeting (event)' : 'event';
    return make(NOT_FOUND[resource], `${name} has no such ${what}, or it was deleted (${said}).`);
  }
  if (status === 412) return make('calendar_conflict', `${name} refused the change: the event changed since it was read (${said}). Read it again and retry.`);
  if (status === 401) {
    return make('provider_auth_failed', `${name} refused the access token (${said}): if refreshing does not help, connect the account again (GOOGLE_CALENDAR_REFRESH_TOKEN with GOOGLE_CALENDAR_CLIENT_ID/SECRET or GOOGLE_CLIENT_ID/SECRET).`);
  }
  if ((status === 403 && reason && (RATE_REASONS.has(reason) || e.errors?.some((i) => i.domain === 'usageLimits'))) || status === 429) {
    const after = retryAfter();
    return make('provider_rate_limited', `${name}'s rate limit is reached (${said}).${after === undefined ? '' : ` Retry after ${after} s.`}`, after);
  }
  if (status === 403) {
    return make('provider_auth_failed', `${name} forbade the request (${said}): the token needs the https://www.googleapis.com/auth/calendar scope, and the account write access to this calendar.`);
  }
  if (status === 400 || status === 409) {
    return make('provider_rejected', `${name} rejected the request: ${said}. Sending the same request again fails the same way.`);
  }
  if (status >= 500) return make('provider_unavailable', `${name} is unavailable (HTTP ${status}: ${said}); try again later.`);
  return make('provider_error', `${name} answered HTTP ${status}: ${said}.`);
}

/**
 * The manifest's `mapError` for calls about `resource`, or a per-call override.
 *
 * @example
 * await ctx.http.request({ method: 'GET', path, operation: 'calendar.sync', mapError: calendarErrorMapper('sync') });
 */
export const calendarErrorMapper = (resource: GoogleResource): ErrorMapper => (res) => mapGoogleCalendarError(res, resource);

/** Google Meet's calls: a missing event is `meeting_not_found`. */
export const meetErrorMapper: ErrorMapper = (res) => mapGoogleCalendarError(res, 'meeting');
