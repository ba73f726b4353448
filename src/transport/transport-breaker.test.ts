import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { acmeConnection, acmeManifest, rejection, startServer, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';
import type { HttpRequest } from './types.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

const get: HttpRequest = { method: 'GET', path: '/v1/things', operation: 'things.list' };
const noRetry = acmeManifest({ retry: { maxAttempts: 1 } });

function transport(threshold = 3, halfOpenAfterMs = 150) {
  return new Transport({ clock: fakeClock(), breaker: { threshold, halfOpenAfterMs } });
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof HubError ? e.code : String(e)),
  );

describe('circuit breaker', () => {
  it('opens after N provider failures, then fails fast without reaching the provider', async () => {
    const t = transport(3);
    const http = t.forConnection(noRetry, acmeConnection(server.url));
    server.reply({ status: 503 }, { status: 502 }, { status: 500 });
    for (let i = 0; i < 3; i++) expect(await codeOf(http.request(get))).toBe('provider_unavailable');
    expect(t.breakerStates()).toEqual({ acme: 'open' });

    const err = await rejection(http.request(get));
    expect(err.code).toBe('circuit_open');
    expect(err.provider).toBe('acme');
    expect(err.retryAfter).toBeGreaterThanOrEqual(0);
    expect(server.hits).toHaveLength(3);
    expect(await t.registry.metrics()).toContain('switchboard_provider_breaker_state{provider="acme"} 2');
  });

  it('does not retry while open, even an idempotent request', async () => {
    const t = transport(2);
    const http = t.forConnection(acmeManifest({ retry: { maxAttempts: 5 } }), acmeConnection(server.url));
    server.reply({ status: 503 }, { status: 503 }, { status: 503 });
    expect(await codeOf(http.request(get))).toBe('circuit_open');
    expect(server.hits).toHaveLength(2);
  });

  it('half-opens after the delay: one trial call, success closes the circuit', async () => {
    const t = transport(2, 100);
    const http = t.forConnection(noRetry, acmeConnection(server.url));
    server.reply({ status: 503 }, { status: 503 });
    await codeOf(http.request(get));
    await codeOf(http.request(get));
    expect(await codeOf(http.request(get))).toBe('circuit_open');
    await new Promise((r) => setTimeout(r, 120));

    server.reply({ status: 200, delayMs: 50 });
    const trial = http.request(get);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.breakerStates()).toEqual({ acme: 'half-open' });
    expect((await trial).status).toBe(200);
    expect(t.breakerStates()).toEqual({ acme: 'closed' });
    expect(server.hits).toHaveLength(3);
    expect(await t.registry.metrics()).toContain('switchboard_provider_breaker_state{provider="acme"} 0');
  });

  it('opens again when the trial call fails', async () => {
    const t = transport(1, 50);
    const http = t.forConnection(noRetry, acmeConnection(server.url));
    server.reply({ status: 503 });
    await codeOf(http.request(get));
    await new Promise((r) => setTimeout(r, 70));
    server.reply({ status: 503 });
    expect(await codeOf(http.request(get))).toBe('provider_unavailable');
    expect(await codeOf(http.request(get))).toBe('circuit_open');
    expect(server.hits).toHaveLength(2);
  });

  it('does not count client errors (4xx, 429)', async () => {
    const t = transport(2);
    const http = t.forConnection(noRetry, acmeConnection(server.url));
    server.reply({ status: 400 }, { status: 404 }, { status: 429 }, { status: 422 });
    for (let i = 0; i < 4; i++) await codeOf(http.request(get));
    expect(await codeOf(http.request(get))).toBe('ok');
    expect(t.breakerStates()).toEqual({ acme: 'closed' });
  });

  it('keeps one breaker per connection and reports the worst per provider', async () => {
    const t = transport(1);
    const a = t.forConnection(noRetry, acmeConnection(server.url, 'conn_a'));
    const b = t.forConnection(noRetry, acmeConnection(server.url, 'conn_b'));
    server.reply({ status: 503 });
    await codeOf(a.request(get));
    expect(await codeOf(a.request(get))).toBe('circuit_open');
    expect(await codeOf(b.request(get))).toBe('ok');
    expect(t.breakerStates()).toEqual({ acme: 'open' });
  });

  it('remembers the last failure for health, not masked by fast failures', async () => {
    const t = transport(1);
    const http = t.forConnection(noRetry, acmeConnection(server.url));
    expect(t.lastError('acme')).toBeUndefined();
    server.reply({ status: 503 });
    await codeOf(http.request(get));
    await codeOf(http.request(get));
    expect(t.lastError('acme')).toEqual({ code: 'provider_unavailable', message: 'Acme answered 503', at: 0 });
  });
});
