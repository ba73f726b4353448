import { describe, expect, it } from 'vitest';
import { toResponse } from '../../transport/transport.js';
import { mapSendgridError } from './errors.js';
import { sendgridCredentials, sendgridManifest } from './manifest.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  toResponse({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });
const sg = (...errors: { message: string; field?: string | null; help?: string | null }[]) => ({ errors });
const NOW = Date.UTC(2025, 0, 1);

describe('mapSendgridError', () => {
  it('maps a refused recipient to invalid_recipient, naming the field and SendGrid’s words', () => {
    const err = mapSendgridError(answer(400, sg({ message: 'Does not contain a valid address.', field: 'personalizations.0.cc.2.email', help: 'http://…' })));
    expect(err).toMatchObject({ code: 'invalid_recipient', provider: 'sendgrid', providerStatus: 400, providerCode: 'personalizations.0.cc.2.email', retryable: false, failover: false });
    expect(err.message).toContain('Does not contain a valid address.');
    expect(err.errors).toEqual([{ field: 'personalizations.0.cc.2.email', message: 'Does not contain a valid address.' }]);
  });

  it('maps other 400s and 413 to provider_rejected, listing every error', () => {
    const err = mapSendgridError(
      answer(400, sg({ message: 'The subject is required.', field: 'subject' }, { message: 'The attachment filename parameter is required.', field: 'attachments.0.filename' })),
    );
    expect(err).toMatchObject({ code: 'provider_rejected', providerCode: 'subject', retryable: false });
    expect(err.errors?.map((e) => e.field)).toEqual(['subject', 'attachments.0.filename']);
    expect(err.message).toContain('attachments.0.filename: The attachment filename parameter is required.');
    // an address error outside the recipients (from) is not a recipient problem
    expect(mapSendgridError(answer(400, sg({ message: 'The from email does not contain a valid address.', field: 'from.email' }))).code).toBe('provider_rejected');
    const big = mapSendgridError(answer(413, sg({ message: 'content too large', field: null })));
    expect(big).toMatchObject({ code: 'provider_rejected', providerStatus: 413 });
    expect(big.message).toMatch(/30 MB/);
  });

  it('maps 401 and 403 to provider_auth_failed with what to fix', () => {
    const e401 = mapSendgridError(answer(401, sg({ message: 'authorization required', field: null })));
    expect(e401).toMatchObject({ code: 'provider_auth_failed', providerStatus: 401, failover: true });
    expect(e401.message).toMatch(/SENDGRID_API_KEY/);
    const e403 = mapSendgridError(answer(403, sg({ message: 'The from address does not match a verified Sender Identity.', field: 'from' })));
    expect(e403).toMatchObject({ code: 'provider_auth_failed', providerStatus: 403, providerCode: 'from' });
    expect(e403.message).toMatch(/Sender Identity/);
  });

  it('maps 429 to provider_rate_limited with retryAfter from X-RateLimit-Reset or Retry-After', () => {
    const reset = String(NOW / 1000 + 42);
    const byReset = mapSendgridError(answer(429, sg({ message: 'too many requests', field: null }), { 'x-ratelimit-reset': reset }), NOW);
    expect(byReset).toMatchObject({ code: 'provider_rate_limited', retryAfter: 42, retryable: true, failover: true });
    expect(mapSendgridError(answer(429, sg({ message: 'too many requests' }), { 'retry-after': '5', 'x-ratelimit-reset': reset }), NOW).retryAfter).toBe(5);
    expect(mapSendgridError(answer(429, sg({ message: 'too many requests' }), { 'x-ratelimit-reset': String(NOW / 1000 - 10) }), NOW).retryAfter).toBe(0);
    expect(mapSendgridError(answer(429, ''), NOW).retryAfter).toBeUndefined();
  });

  it('maps 5xx to provider_unavailable, also when the body is not SendGrid’s', () => {
    const err = mapSendgridError(answer(503, '<html>Service Unavailable</html>'));
    expect(err).toMatchObject({ code: 'provider_unavailable', providerStatus: 503, retryable: true });
    expect(err.message).toContain('<html>Service Unavailable</html>');
    expect(mapSendgridError(answer(500, sg({ message: 'Internal error' }))).message).toContain('Internal error');
  });

  it('maps anything else to provider_error', () => {
    expect(mapSendgridError(answer(404, sg({ message: 'not found', field: null })))).toMatchObject({ code: 'provider_error', providerStatus: 404 });
    expect(sendgridManifest.mapError(answer(405, '')).message).toContain('HTTP 405');
  });
});

describe('sendgridManifest', () => {
  const KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==';

  it('declares the data the hub reads', () => {
    expect(sendgridManifest).toMatchObject({
      id: 'sendgrid',
      categories: ['email'],
      baseUrl: 'https://api.sendgrid.com',
      env: { apiKey: 'SENDGRID_API_KEY', fromEmail: 'SENDGRID_FROM_EMAIL', webhookPublicKey: 'SENDGRID_WEBHOOK_PUBLIC_KEY' },
      liveWhen: ['apiKey'],
      secretFields: ['apiKey'],
      rateLimit: { limit: 600, intervalMs: 60_000 },
    });
    expect(sendgridManifest.idempotencyHeader).toBeUndefined();
  });

  it('validates credentials as env gives them', () => {
    expect(sendgridCredentials.parse({ apiKey: 'SG.x', fromEmail: '', webhookPublicKey: ` ${KEY} ` })).toEqual({ apiKey: 'SG.x', webhookPublicKey: KEY });
    expect(sendgridCredentials.safeParse({ apiKey: '' }).success).toBe(false);
    const badFrom = sendgridCredentials.safeParse({ apiKey: 'SG.x', fromEmail: 'orders' });
    expect(badFrom.error?.issues[0]?.message).toMatch(/SENDGRID_FROM_EMAIL/);
    for (const key of ['nope', 'MFkwEw==', Buffer.from('not a key at all').toString('base64')]) {
      const res = sendgridCredentials.safeParse({ apiKey: 'SG.x', webhookPublicKey: key });
      expect(res.error?.issues[0]?.message).toMatch(/SENDGRID_WEBHOOK_PUBLIC_KEY/);
    }
  });
});
