/**
 * Microsoft Graph's error answers (`{"error":{"code":"ErrorItemNotFound","message":"…","innerError":
 * {"request-id":"…","date":"…"}}}`) → hub errors. The HTTP status stays on the error: a 401
 * (`InvalidAuthenticationToken`) makes the transport renew the token once and try again, and a
 * 429 or 503 carries `Retry-After` (seconds, up to minutes), which the transport honours.
 *
 * Surprising parts: Graph says `ErrorItemNotFound` for an unknown calendar and an unknown event
 * alike (the connector tells them apart by the call), and an expired delta link is a 410 `Gone`
 * or a 400 with `syncStateNotFound`, `resyncRequired` or `SyncStateInvalid`.
 *
 * @see https://learn.microsoft.com/en-us/graph/errors
 * @see https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/calendar/errors.js'; // registers calendar_event_not_found, calendar_sync_expired, …
import '../../categories/meetings/errors.js'; // registers meeting_not_found

/** The `error` of a Graph error answer. */
export interface GraphError {
  code: string;
  message: string;
  innerError?: { 'request-id'?: string; date?: string; code?: string };
}

/** Graph codes that mean "the delta link is no longer honoured: sync again from scratch". */
const SYNC_EXPIRED = new Set(['syncStateNotFound', 'resyncRequired', 'SyncStateInvalid', 'syncStateInvalid']);
const NOT_FOUND = new Set(['ErrorItemNotFound', 'ResourceNotFound', 'itemNotFound', 'NotFound', 'ErrorInvalidIdMalformed']);

/**
 * The `error` of an answer; a non-JSON answer (a proxy's page) becomes its text.
 *
 * @example
 * graphError(res) // { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' }
 */
export function graphError(res: HttpResponse): GraphError {
  try {
    const e = res.json<{ error?: Partial<GraphError> } | null>()?.error;
    if (e && typeof e.code === 'string') return { code: e.code, message: typeof e.message === 'string' ? e.message : '', innerError: e.innerError };
  } catch {
    // not JSON
  }
  const text = res.text.trim();
  return { code: `HTTP${res.status}`, message: text.length > 300 ? `${text.slice(0, 300)}…` : text };
}

/**
 * Maps a non-2xx Graph answer to a HubError (the manifests' `mapError`) of `provider`; `notFound`
 * names what a 404 means for the caller: an event (default) or a meeting (the Teams connector).
 *
 * @example
 * mapGraphError(toResponse({ status: 404, headers: {}, text: '{"error":{"code":"ErrorItemNotFound","message":"…"}}' })).code // 'calendar_event_not_found'
 */
export function mapGraphError(res: HttpResponse, provider = 'outlook', notFound: ErrorCode = 'calendar_event_not_found', now: number = Date.now()): HubError {
  const e = graphError(res);
  const said = `Microsoft Graph answered ${res.status} ${e.code}: ${e.message || 'no message'}`;
  const make = (code: ErrorCode, message: string, retryAfter?: number) =>
    new HubError(code, message, { provider, providerStatus: res.status, providerCode: e.code, retryAfter, details: { requestId: e.innerError?.['request-id'] } });
  const status = res.status;
  if (status === 410 || SYNC_EXPIRED.has(e.code) || SYNC_EXPIRED.has(e.innerError?.code ?? '')) return make('calendar_sync_expired', `${said}. The delta link expired: sync again from no cursor.`);
  if (status === 401) return make('provider_auth_failed', `${said}. The access token expired or was revoked; if a refresh does not help, connect the account again (OUTLOOK_REFRESH_TOKEN).`);
  if (status === 403) return make('provider_auth_failed', `${said}. The token lacks a scope this call needs (Calendars.ReadWrite, OnlineMeetings.ReadWrite) or the mailbox forbids it.`);
  if (status === 404 || NOT_FOUND.has(e.code)) return make(notFound, said);
  if (status === 412) return make('calendar_conflict', `${said}. The item changed since it was read: read it again.`);
  if (status === 429 || status === 503 || status === 504) {
    const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
    return make(status === 429 ? 'provider_rate_limited' : 'provider_unavailable', `${said}${retryAfter === undefined ? '' : `. Retry after ${retryAfter} s`}.`, retryAfter);
  }
  if (status >= 500) return make('provider_unavailable', said);
  if (status === 400 || status === 409 || status === 422) return make('provider_rejected', `${said}. Sending the same request again fails the same way.`);
  return make('provider_error', said);
}
