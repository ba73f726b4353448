import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock, systemClock, type Clock } from '../core/clock.js';
import { acmeConnection, acmeManifest, freePort, rejection, startServer, type TestServer } from './test-utils/server.js';
import { Transport, type TransportManifest } from './transport.js';
import type { AuditEntry, HttpRequest } from './types.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

function bind(options: { clock?: Clock; manifest?: Partial<TransportManifest>; audit?: AuditEntry[] } = {}) {
  const clock = options.clock ?? fakeClock();
  const transport = new Transport({ clock, random: () => 0.5, audit: options.audit && ((e) => options.audit?.push(e)) });
  return transport.forConnection(acmeManifest(options.manifest), acmeConnection(server.url));
}

const get: HttpRequest = { method: 'GET', path: '/v1/things', operation: 'things.list' };
const post: HttpRequest = { method: 'POST', path: '/v1/things', body: { name: 'x' }, operation: 'things.create' };

const failure = rejection;

describe('retry with backoff', () => {
  it('retries a GET after 503 and answers the success, after a jittered backoff', async () => {
    const clock = fakeClock();
    server.reply({ status: 503 });
    const res = await bind({ clock }).request(get);
    expect(res.status).toBe(200);
    expect(server.hits).toHaveLength(2);
    expect(clock.sleeps).toEqual([100]); // random 0.5 × base 200
  });

  it('gives up after maxAttempts with the mapped error, providerStatus filled in', async () => {
    server.reply({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const err = await failure(bind({ manifest: { retry: { maxAttempts: 3 } } }).request(get));
    expect(err.code).toBe('provider_unavailable');
    expect(err.providerStatus).toBe(503);
    expect(server.hits).toHaveLength(3);
  });

  it('does not retry a 4xx', async () => {
    server.reply({ status: 400 });
    const err = await failure(bind().request(get));
    expect(err.code).toBe('provider_rejected');
    expect(server.hits).toHaveLength(1);
  });

  it('waits Retry-After seconds on a 429', async () => {
    const clock = fakeClock();
    server.reply({ status: 429, headers: { 'retry-after': '2' } });
    expect((await bind({ clock }).request(get)).status).toBe(200);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('waits until a Retry-After HTTP-date on a 503', async () => {
    const clock = fakeClock(Date.parse('2030-01-01T00:00:00Z'));
    server.reply({ status: 503, headers: { 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' } });
    expect((await bind({ clock }).request(get)).status).toBe(200);
    expect(clock.sleeps).toEqual([3000]);
  });

  it('gives up at once when Retry-After exceeds the longest wait, carrying retryAfter', async () => {
    const clock = fakeClock();
    server.reply({ status: 429, headers: { 'retry-after': '120' } });
    const err = await failure(bind({ clock }).request(get));
    expect(err.code).toBe('provider_rate_limited');
    expect(err.retryAfter).toBe(120);
    expect(server.hits).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('non-idempotent requests', () => {
  it('does not retry a POST without idempotency key after a 500', async () => {
    server.reply({ status: 500 });
    const err = await failure(bind().request(post));
    expect(err.code).toBe('provider_unavailable');
    expect(server.hits).toHaveLength(1);
  });

  it('does not retry a POST without idempotency key after the connection dropped, and says so', async () => {
    server.reply('drop');
    const err = await failure(bind().request(post));
    expect(err.code).toBe('provider_unavailable');
    expect(err.details).toMatchObject({ uncertain: true });
    expect(server.hits).toHaveLength(1);
  });

  it('retries a POST without idempotency key after a 429 (not processed)', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '1' } });
    expect((await bind().request(post)).status).toBe(200);
    expect(server.hits).toHaveLength(2);
  });

  it('retries a POST without idempotency key after connection refused (never sent)', async () => {
    const port = await freePort();
    const later = await startServer(port, false);
    const audit: AuditEntry[] = [];
    // The backoff sleep brings the provider up: the second attempt finds it listening.
    const clock: Clock = { now: () => Date.now(), sleep: () => later.listen(port) };
    const transport = new Transport({ clock, audit: (e) => audit.push(e) });
    try {
      const res = await transport.forConnection(acmeManifest(), acmeConnection(`http://127.0.0.1:${port}`)).request(post);
      expect(res.status).toBe(200);
      expect(later.hits).toHaveLength(1);
      expect(audit.map((e) => e.errorCode ?? e.status)).toEqual(['provider_unavailable', 200]);
    } finally {
      await later.close();
    }
  });

  it('retries a POST with an idempotency key after 500 and a dropped connection, same key each time', async () => {
    server.reply({ status: 500 }, 'drop');
    const res = await bind().request({ ...post, idempotencyKey: 'key-123' });
    expect(res.status).toBe(200);
    expect(server.hits.map((h) => h.headers['idempotency-key'])).toEqual(['key-123', 'key-123', 'key-123']);
    expect(server.hits.map((h) => h.body)).toEqual(Array(3).fill('{"name":"x"}'));
  });

  it('does not treat a key as safe when the provider has no idempotency header', async () => {
    server.reply({ status: 500 });
    await failure(bind({ manifest: { idempotencyHeader: undefined } }).request({ ...post, idempotencyKey: 'key-1' }));
    expect(server.hits).toHaveLength(1);
    expect(server.hits[0]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('timeouts and cancellation', () => {
  it('turns a slow answer into provider_timeout and retries a GET', async () => {
    server.reply('hang', 'hang');
    const started = Date.now();
    const err = await failure(bind({ manifest: { retry: { maxAttempts: 2 } } }).request({ ...get, timeoutMs: 60 }));
    expect(err.code).toBe('provider_timeout');
    expect(err.details).toMatchObject({ uncertain: true, timeoutMs: 60 });
    expect(server.hits).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('takes the manifest timeout by default and never retries a timed-out POST without key', async () => {
    server.reply({ status: 200, delayMs: 500 });
    const err = await failure(bind({ manifest: { timeoutMs: 50 } }).request(post));
    expect(err.code).toBe('provider_timeout');
    expect(server.hits).toHaveLength(1);
  });

  it("stops at the caller's abort with the caller's reason, without retrying", async () => {
    server.reply('hang');
    const controller = new AbortController();
    const reason = new Error('user went away');
    setTimeout(() => controller.abort(reason), 30);
    const audit: AuditEntry[] = [];
    const err = await bind({ clock: systemClock, audit }).request({ ...get, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(server.hits).toHaveLength(1);
    expect(audit.map((e) => e.errorCode)).toEqual(['aborted']);
  });
});
