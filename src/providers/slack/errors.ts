/**
 * Slack's error answers → the hub's error codes.
 *
 * The Web API answers most refusals with HTTP 200 and `{"ok": false, "error": "channel_not_found"}`:
 * the connector checks `ok` on every answer ({@link slackApiError}). Rate limits are HTTP 429 with
 * `Retry-After` (seconds) and `{"ok":false,"error":"ratelimited"}`, which the manifest's
 * `mapError` turns into `provider_rate_limited` so the transport waits and retries.
 *
 * A refusal that says Slack did nothing and another provider may do better (credentials, rate
 * limit, Slack down) carries `details.sent: false`, so a notification fails over along
 * `CHAT_PROVIDERS`; a refusal of the request itself (unknown channel, bad blocks) stops the chain.
 *
 * @see https://api.slack.com/web#evaluating_responses
 * @see https://api.slack.com/apis/rate-limits
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/chat/errors.js'; // registers the chat error codes this file uses

const PROVIDER = 'slack';

/** Slack's error strings → hub codes; `fallback` for the rest. */
const CODES: Record<string, ErrorCode> = {
  channel_not_found: 'chat_channel_not_found',
  not_in_channel: 'chat_not_in_channel',
  message_not_found: 'chat_message_not_found',
  cant_update_message: 'chat_message_not_found',
  cant_delete_message: 'chat_message_not_found',
  thread_not_found: 'chat_message_not_found',
  users_not_found: 'chat_user_not_found',
  user_not_found: 'chat_user_not_found',
  name_taken: 'chat_name_taken',
  not_authed: 'provider_auth_failed',
  invalid_auth: 'provider_auth_failed',
  account_inactive: 'provider_auth_failed',
  token_revoked: 'provider_auth_failed',
  token_expired: 'provider_auth_failed',
  no_permission: 'provider_auth_failed',
  missing_scope: 'provider_auth_failed',
  not_allowed_token_type: 'provider_auth_failed',
  ekm_access_denied: 'provider_auth_failed',
  ratelimited: 'provider_rate_limited',
  internal_error: 'provider_unavailable',
  fatal_error: 'provider_unavailable',
  service_unavailable: 'provider_unavailable',
  request_timeout: 'provider_unavailable',
};

/** What to do about each code, for the message. */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  chat_channel_not_found: 'pass a channel id (C…) the bot can see (GET /api/v1/chat/channels lists them)',
  chat_not_in_channel: 'invite the bot to the channel first',
  chat_message_not_found: 'pass the channel and ts of a message the bot posted',
  chat_user_not_found: 'no user of the workspace has that address or id',
  chat_name_taken: 'choose another channel name',
  provider_auth_failed: 'check SLACK_BOT_TOKEN (a bot token, xoxb-…) and its scopes (chat:write, channels:read, channels:manage, users:read.email)',
  provider_rejected: 'fix the request; sending it again fails the same way',
};

/** Codes after which Slack surely did nothing and another provider may do better. */
const NOT_SENT = new Set<ErrorCode>(['provider_auth_failed', 'provider_rate_limited', 'provider_unavailable']);

/** The body of a Slack answer. */
export interface SlackAnswer {
  ok: boolean;
  error?: string;
  warning?: string;
  needed?: string;
  provided?: string;
  response_metadata?: { messages?: string[]; next_cursor?: string; warnings?: string[] };
  [key: string]: unknown;
}

/**
 * The HubError of an `{ok: false}` answer to `method`.
 *
 * @example
 * slackApiError('chat.postMessage', { ok: false, error: 'channel_not_found' }).code // 'chat_channel_not_found'
 */
export function slackApiError(method: string, body: SlackAnswer, status = 200, retryAfter?: number): HubError {
  const error = typeof body.error === 'string' ? body.error : 'unknown_error';
  const code: ErrorCode = CODES[error] ?? (status >= 500 ? 'provider_unavailable' : status === 200 || status === 400 ? 'provider_rejected' : 'provider_error');
  const scope = error === 'missing_scope' && body.needed ? ` (needed: ${body.needed})` : '';
  const said = body.response_metadata?.messages?.length ? `: ${body.response_metadata.messages.join('; ')}` : '';
  const advice = ADVICE[code];
  return new HubError(code, `Slack ${method} answered "${error}"${scope}${said}${advice ? `: ${advice}` : ''}.`, {
    provider: PROVIDER,
    providerStatus: status,
    providerCode: error,
    retryAfter,
    ...(NOT_SENT.has(code) ? { details: { sent: false } } : {}),
  });
}

/**
 * Maps a non-2xx Slack answer (the manifest's `mapError`): 429 `ratelimited`, 5xx, a proxy's page.
 *
 * @example
 * mapSlackError(toResponse({ status: 429, headers: { 'retry-after': '3' }, text: '{"ok":false,"error":"ratelimited"}' })).code // 'provider_rate_limited'
 */
export function mapSlackError(res: HttpResponse): HubError {
  let body: SlackAnswer = { ok: false };
  try {
    const parsed = res.json<unknown>();
    if (parsed && typeof parsed === 'object') body = parsed as SlackAnswer;
  } catch {
    // not JSON: the status says enough
  }
  const retryAfter = parseRetryAfter(res.headers['retry-after'], Date.now());
  if (res.status === 429) body.error ??= 'ratelimited';
  if (res.status >= 500) body.error ??= 'service_unavailable';
  if (res.status === 401 || res.status === 403) body.error ??= 'invalid_auth';
  return slackApiError('API', body, res.status, retryAfter);
}
