import { describe, expect, it } from 'vitest';
import { toResponse } from '../../transport/transport.js';
import { mapGmailError } from './errors.js';
import { gmailCredentials, gmailManifest } from './manifest.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  toResponse({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });
/** Google's error JSON, as the Gmail API answers it. */
const google = (code: number, status: string, reason: string, message: string) => ({ error: { code, message, errors: [{ message, domain: 'global', reason }], status } });
const NOW = Date.UTC(2026, 0, 1);

describe('mapGmailError', () => {
  it('maps an invalid recipient header to invalid_recipient, without retry or failover', () => {
    for (const header of ['To', 'Cc', 'Bcc']) {
      const err = mapGmailError(answer(400, google(400, 'INVALID_ARGUMENT', 'invalidArgument', `Invalid ${header} header`)));
      expect(err).toMatchObject({ code: 'invalid_recipient', provider: 'gmail', providerStatus: 400, providerCode: 'invalidArgument', retryable: false, failover: false });
      expect(err.message).toContain(`Invalid ${header} header`);
    }
    expect(mapGmailError(answer(400, google(400, 'INVALID_ARGUMENT', 'invalidArgument', 'Recipient address required'))).code).toBe('invalid_recipient');
  });

  it('maps other 400s and a 413 to provider_rejected', () => {
    const err = mapGmailError(answer(400, google(400, 'INVALID_ARGUMENT', 'invalidArgument', "'raw' RFC822 payload message string or uploading message via /upload/* URL required")));
    expect(err).toMatchObject({ code: 'provider_rejected', retryable: false, failover: false, providerCode: 'invalidArgument' });
    expect(mapGmailError(answer(413, google(413, 'FAILED_PRECONDITION', 'failedPrecondition', 'Request payload size exceeds the limit'))).code).toBe('provider_rejected');
  });

  it('maps a 401 UNAUTHENTICATED to provider_auth_failed naming what to reconnect', () => {
    const err = mapGmailError(answer(401, google(401, 'UNAUTHENTICATED', 'authError', 'Request had invalid authentication credentials.')));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerStatus: 401, providerCode: 'authError', retryable: false, failover: true });
    expect(err.message).toContain('GMAIL_REFRESH_TOKEN');
  });

  it("maps a 403 rate limit (Gmail's per-user quota) to a retryable provider_rate_limited with Retry-After", () => {
    for (const reason of ['rateLimitExceeded', 'userRateLimitExceeded']) {
      const err = mapGmailError(answer(403, google(403, 'PERMISSION_DENIED', reason, 'User-rate limit exceeded.'), { 'retry-after': '7' }), NOW);
      expect(err).toMatchObject({ code: 'provider_rate_limited', providerStatus: 403, providerCode: reason, retryable: true, failover: true, retryAfter: 7 });
    }
  });

  it('maps a 429 to provider_rate_limited, reading Retry-After as seconds or an HTTP date', () => {
    const body = google(429, 'RESOURCE_EXHAUSTED', 'rateLimitExceeded', 'Resource has been exhausted (e.g. check quota).');
    expect(mapGmailError(answer(429, body, { 'retry-after': '3' }), NOW)).toMatchObject({ code: 'provider_rate_limited', retryAfter: 3, retryable: true });
    expect(mapGmailError(answer(429, body, { 'retry-after': new Date(NOW + 12_000).toUTCString() }), NOW).retryAfter).toBe(12);
    expect(mapGmailError(answer(429, body), NOW).retryAfter).toBeUndefined();
  });

  it('maps a daily limit to a non-retryable provider_error that fails over, and other 403s to provider_auth_failed', () => {
    expect(mapGmailError(answer(403, google(403, 'PERMISSION_DENIED', 'dailyLimitExceeded', 'Daily Limit Exceeded')))).toMatchObject({ code: 'provider_error', retryable: false, failover: true });
    const scope = mapGmailError(answer(403, google(403, 'PERMISSION_DENIED', 'insufficientPermissions', 'Request had insufficient authentication scopes.')));
    expect(scope).toMatchObject({ code: 'provider_auth_failed', providerCode: 'insufficientPermissions' });
    expect(scope.message).toContain('gmail.send');
  });

  it('maps 5xx to a retryable provider_unavailable, also when the body is not JSON', () => {
    expect(mapGmailError(answer(500, google(500, 'INTERNAL', 'backendError', 'Internal error encountered.')))).toMatchObject({ code: 'provider_unavailable', providerCode: 'backendError', retryable: true, failover: true });
    const html = mapGmailError(answer(502, '<html><body>Bad Gateway</body></html>'));
    expect(html).toMatchObject({ code: 'provider_unavailable', providerStatus: 502 });
    expect(html.message).toContain('Bad Gateway');
  });
});

describe('gmailManifest', () => {
  it('declares oauth2 auth, the env names of the brief, and is live only with a client and a refresh token', () => {
    expect(gmailManifest.auth).toEqual({ type: 'oauth2' });
    expect(gmailManifest.baseUrl).toBe('https://gmail.googleapis.com');
    expect(gmailManifest.env).toEqual({ clientId: 'GOOGLE_CLIENT_ID', clientSecret: 'GOOGLE_CLIENT_SECRET', refreshToken: 'GMAIL_REFRESH_TOKEN', fromEmail: 'GMAIL_FROM_EMAIL' });
    expect([...gmailManifest.liveWhen].sort()).toEqual(['clientId', 'clientSecret', 'refreshToken']);
    expect(gmailManifest.secretFields).toEqual(expect.arrayContaining(['clientSecret', 'refreshToken']));
  });

  it('treats an empty GMAIL_FROM_EMAIL as unset and refuses a malformed one', () => {
    const base = { clientId: 'id.apps.googleusercontent.com', clientSecret: 's', refreshToken: 'r' };
    expect(gmailCredentials.parse({ ...base, fromEmail: ' ' }).fromEmail).toBeUndefined();
    expect(gmailCredentials.safeParse({ ...base, fromEmail: 'not-an-address' }).success).toBe(false);
    // An account connected through the connect flow holds no client or refresh token of its own.
    expect(gmailCredentials.parse({ ...base, refreshToken: '' }).refreshToken).toBeUndefined();
    expect(gmailCredentials.safeParse({}).success).toBe(true);
  });
});
