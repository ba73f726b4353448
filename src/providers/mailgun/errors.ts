/**
 * Mailgun's error answers → the hub's error codes.
 *
 * Mailgun answers `{"message": "…"}` for most errors, but a bad API key gets a bare
 * `401 Forbidden` in plain text, and an exhausted sending limit gets the non-standard status 420.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/#errors
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/email/errors.js'; // registers the email error codes this file uses

const PROVIDER = 'mailgun';

/**
 * Mailgun's own words from an error answer: the JSON `message`, else the text body (trimmed and
 * shortened), else the status.
 *
 * @example
 * mailgunErrorText({ status: 401, headers: {}, text: 'Forbidden', json: () => { throw new SyntaxError(); } }) // 'Forbidden'
 */
export function mailgunErrorText(res: HttpResponse): string {
  let message: unknown;
  try {
    message = res.json<{ message?: unknown }>()?.message;
  } catch {
    message = undefined;
  }
  const text = typeof message === 'string' && message.trim() ? message : res.text.trim();
  if (!text) return `HTTP ${res.status}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Seconds from `Retry-After` (seconds or an HTTP date), else Mailgun's `retry-seconds` body field. */
function retryAfterOf(res: HttpResponse, now: number): number | undefined {
  const header = parseRetryAfter(res.headers['retry-after'], now);
  if (header !== undefined) return header;
  try {
    const body = res.json<Record<string, unknown>>();
    const seconds = Number(body?.['retry-seconds']);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
  } catch {
    // not JSON
  }
  return undefined;
}

/** 420 says "… try again after Mon, 25 Aug 2025 07:00:31 UTC": seconds until then. */
function retryAfterFromText(text: string, now: number): number | undefined {
  const match = /try again after (.+?)\s*$/i.exec(text);
  const at = match?.[1] === undefined ? NaN : Date.parse(match[1]);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

function classify400(text: string): { code: ErrorCode; fix: string } {
  if (/'from' parameter/i.test(text)) {
    return { code: 'provider_rejected', fix: 'use a sender address on the connection\'s domain, e.g. "App <no-reply@mg.example.com>"' };
  }
  if (/too many|limit/i.test(text)) {
    return { code: 'provider_rejected', fix: 'split the message: Mailgun takes at most 1000 recipients per message' };
  }
  if (/'(?:to|cc|bcc)' parameter|recipient|address/i.test(text)) {
    return { code: 'invalid_recipient', fix: 'correct or remove the recipient address' };
  }
  return { code: 'provider_rejected', fix: 'fix the request as the message says; retrying will not help' };
}

/**
 * Maps a non-2xx Mailgun answer to a {@link HubError}.
 *
 * A 404 "Domain not found" becomes `provider_auth_failed`, not `provider_rejected`: the domain is
 * part of this connection's credentials (a wrong `MAILGUN_DOMAIN`, or an EU domain asked on the
 * US host), so the message itself is fine and the routing chain should fail over to the next
 * provider instead of giving up on it.
 *
 * @example
 * mapMailgunError(toResponse({ status: 401, headers: {}, text: 'Forbidden' })).code // 'provider_auth_failed'
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/#errors
 */
export function mapMailgunError(res: HttpResponse, now: number = Date.now()): HubError {
  const text = mailgunErrorText(res);
  const base = { provider: PROVIDER, providerStatus: res.status, details: { mailgunMessage: text } };
  const error = (code: ErrorCode, message: string, extra: { retryAfter?: number } = {}) =>
    new HubError(code, message, { ...base, ...extra });
  const { status } = res;

  if (status === 400) {
    const { code, fix } = classify400(text);
    return error(code, `Mailgun refused the message (400): "${text}". Fix: ${fix}.`);
  }
  if (status === 401 || status === 403) {
    return error(
      'provider_auth_failed',
      `Mailgun refused the credentials (${status}): "${text}". Check that MAILGUN_API_KEY is a private API key ` +
        `of the account owning MAILGUN_DOMAIN, and that MAILGUN_REGION matches the domain's region (EU domains need 'eu'). ` +
        'A sandbox domain only sends to its authorized recipients.',
    );
  }
  if (status === 404 && /domain/i.test(text)) {
    return error(
      'provider_auth_failed',
      `Mailgun does not know this domain (404): "${text}". Check MAILGUN_DOMAIN, and MAILGUN_REGION: ` +
        "a domain created in the EU region is only found on api.eu.mailgun.net (region 'eu').",
    );
  }
  if (status === 413) {
    return error('provider_rejected', `Mailgun refused the message as too large (413): "${text}". Keep the message under 25 MB.`);
  }
  if (status === 420) {
    const retryAfter = retryAfterFromText(text, now);
    return error(
      'provider_rate_limited',
      `Mailgun's sending limit for this domain is exhausted (420): "${text}". Wait, or ask Mailgun to raise the limit.`,
      retryAfter === undefined ? {} : { retryAfter },
    );
  }
  if (status === 429) {
    const retryAfter = retryAfterOf(res, now);
    return error(
      'provider_rate_limited',
      `Mailgun is rate limiting this API key (429): "${text}". Send more slowly or lower the manifest's rateLimit.`,
      retryAfter === undefined ? {} : { retryAfter },
    );
  }
  if (status >= 500) {
    return error('provider_unavailable', `Mailgun failed (${status}): "${text}". The request may be retried later.`);
  }
  return error('provider_error', `Mailgun answered ${status}: "${text}".`);
}
