/**
 * Zoom's error answers (`{"code": 3001, "message": "Meeting does not exist: 123."}`) → hub errors.
 * The HTTP status stays on the error, so a 401 (code 124, an expired or revoked token) makes the
 * transport renew the token once and try again.
 *
 * @see https://developers.zoom.us/docs/api/rest/error-definitions/
 */
import { HubError } from '../../core/errors.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/meetings/errors.js'; // registers meeting_not_found, meeting_recording_not_found

/** Zoom's codes for a recording that does not exist (or not yet). */
const RECORDING_CODES = new Set([3301, 3303, 3322]);

/**
 * @example
 * mapZoomError(toResponse({ status: 404, headers: {}, text: '{"code":3001,"message":"Meeting does not exist: 1."}' })).code // 'meeting_not_found'
 */
export function mapZoomError(res: HttpResponse): HubError {
  let body: { code?: number; message?: string; errors?: { field?: string; message?: string }[] } = {};
  try {
    body = res.json();
  } catch {
    // not JSON: the status says enough
  }
  const code = typeof body.code === 'number' ? body.code : undefined;
  const message = `Zoom answered ${res.status}${code !== undefined ? ` (code ${code})` : ''}: ${body.message ?? (res.text.slice(0, 200) || 'no message')}`;
  const opts = { provider: 'zoom', providerStatus: res.status, providerCode: code === undefined ? undefined : String(code) };
  if (res.status === 401) return new HubError('provider_auth_failed', `${message}; check the app's scopes and ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_ACCOUNT_ID`, opts);
  if (res.status === 429) return new HubError('provider_rate_limited', message, opts);
  if (res.status >= 500) return new HubError('provider_unavailable', message, opts);
  if (code !== undefined && RECORDING_CODES.has(code)) return new HubError('meeting_recording_not_found', message, opts);
  if (res.status === 404 || code === 3001) return new HubError('meeting_not_found', message, opts);
  if (res.status === 403) return new HubError('provider_auth_failed', `${message}; the app may lack the scope this call needs`, opts);
  if (res.status === 400 || res.status === 422 || res.status === 409) {
    const errors = (body.errors ?? []).map((e) => ({ field: e.field ?? '(body)', message: e.message ?? 'is invalid' }));
    return new HubError('provider_rejected', message, { ...opts, ...(errors.length > 0 && { errors }) });
  }
  return new HubError('provider_error', message, opts);
}
