import { describe, expect, it } from 'vitest';
import { toResponse } from '../../transport/transport.js';
import { mapMailgunError } from './errors.js';

const json = (status: number, message: string, headers: Record<string, string> = {}) =>
  toResponse({ status, headers: { 'content-type': 'application/json', ...headers }, text: JSON.stringify({ message }) });
const plain = (status: number, text: string, headers: Record<string, string> = {}) =>
  toResponse({ status, headers: { 'content-type': 'text/plain', ...headers }, text });

describe('mapMailgunError', () => {
  it.each([
    [json(400, "'to' parameter is not a valid address. please check documentation"), 'invalid_recipient'],
    [json(400, "'bcc' parameter is not a valid address. please check documentation"), 'invalid_recipient'],
    [json(400, "'to' parameter is missing"), 'invalid_recipient'],
    [json(400, "'from' parameter is not a valid address. please check documentation"), 'provider_rejected'],
    [json(400, "Need at least one of 'text', 'html' or 'template' parameters specified"), 'provider_rejected'],
    [json(400, 'Too many recipients'), 'provider_rejected'],
    [plain(401, 'Forbidden'), 'provider_auth_failed'],
    [json(403, 'Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.'), 'provider_auth_failed'],
    [json(404, 'Domain not found: mg.example.com'), 'provider_auth_failed'],
    [plain(404, '404 page not found'), 'provider_error'],
    [json(413, 'Request Entity Too Large'), 'provider_rejected'],
    [json(500, 'Internal Server Error'), 'provider_unavailable'],
    [plain(503, '<html>Service Unavailable</html>'), 'provider_unavailable'],
  ])('%#: maps %o to %s', (res, code) => {
    const err = mapMailgunError(res);
    expect(err.code).toBe(code);
    expect(err.provider).toBe('mailgun');
    expect(err.providerStatus).toBe(res.status);
  });

  it("quotes Mailgun's text (JSON message or plain body) and says what to fix", () => {
    const auth = mapMailgunError(plain(401, 'Forbidden'));
    expect(auth.message).toContain('"Forbidden"');
    expect(auth.message).toContain('MAILGUN_API_KEY');
    expect(auth.message).toContain('MAILGUN_REGION');
    const domain = mapMailgunError(json(404, 'Domain not found: mg.example.com'));
    expect(domain.message).toContain('Domain not found: mg.example.com');
    expect(domain.message).toContain('MAILGUN_DOMAIN');
    expect(domain.failover).toBe(true);
    expect(domain.retryable).toBe(false);
    const recipient = mapMailgunError(json(400, "'to' parameter is not a valid address. please check documentation"));
    expect(recipient.message).toContain("'to' parameter is not a valid address");
    expect(recipient.failover).toBe(false);
  });

  it('reads Retry-After in seconds or as an HTTP date on 429', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(mapMailgunError(json(429, 'Too many requests', { 'retry-after': '7' }), now).retryAfter).toBe(7);
    const dated = mapMailgunError(json(429, 'Too many requests', { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now);
    expect(dated.code).toBe('provider_rate_limited');
    expect(dated.retryAfter).toBe(30);
    expect(dated.retryable).toBe(true);
    expect(mapMailgunError(json(429, 'Too many requests'), now).retryAfter).toBeUndefined();
  });

  it("maps Mailgun's 420 sending-limit answer to provider_rate_limited with the time it names", () => {
    const now = Date.parse('2025-08-25T06:00:31Z');
    const err = mapMailgunError(
      json(420, 'Domain mg.example.com is not allowed to send: recipient limit exceeded, try again after Mon, 25 Aug 2025 07:00:31 UTC'),
      now,
    );
    expect(err.code).toBe('provider_rate_limited');
    expect(err.retryAfter).toBe(3600);
  });

  it('falls back to the status when the body is empty', () => {
    expect(mapMailgunError(plain(502, '')).message).toContain('HTTP 502');
  });
});
