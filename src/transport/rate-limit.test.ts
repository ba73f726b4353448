import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock, systemClock } from '../core/clock.js';
import { parseRateLimit, TokenBucket } from './rate-limit.js';
import { acmeConnection, acmeManifest, startServer, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';
import type { HttpRequest } from './types.js';

describe('parseRateLimit', () => {
  it.each([
    ['600/min', 600, 60_000],
    ['10/s', 10, 1000],
    ['100/h', 100, 3_600_000],
    ['5/10s', 5, 10_000],
    [' 20 / minutes ', 20, 60_000],
    ['3/ms', 3, 1],
    ['1000/day', 1000, 86_400_000],
  ])('parses %s', (value, limit, intervalMs) => {
    expect(parseRateLimit(value)).toEqual({ limit, intervalMs });
  });

  it.each(['', '600', '0/s', '-1/s', '10/fortnight', 'ten/s', '10/constructor'])('rejects %j, naming it', (value) => {
    expect(() => parseRateLimit(value)).toThrow(`Invalid rate limit "${value}"`);
  });
});

describe('TokenBucket', () => {
  it('lets a burst of `limit` through, then paces one token per interval/limit', async () => {
    const clock = fakeClock(1_000);
    const bucket = new TokenBucket({ limit: 5, intervalMs: 1000 }, clock);
    for (let i = 0; i < 5; i++) expect(bucket.acquire()).toBeUndefined();
    await bucket.acquire();
    await bucket.acquire();
    expect(clock.sleeps).toEqual([200, 200]);
    clock.advance(1000);
    expect(bucket.available()).toBe(5);
  });

  it('queues concurrent waiters in order instead of letting them race', () => {
    const clock = fakeClock();
    const waits: number[] = [];
    const recording = { now: clock.now, sleep: async (ms: number) => void waits.push(ms) };
    const bucket = new TokenBucket({ limit: 2, intervalMs: 1000 }, recording);
    for (let i = 0; i < 5; i++) void bucket.acquire();
    expect(waits).toEqual([500, 1000, 1500]);
  });

  it('gives the reservation back when the wait is aborted', async () => {
    const bucket = new TokenBucket({ limit: 1, intervalMs: 60_000 }, systemClock);
    bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    expect(bucket.available()).toBeLessThan(-0.99);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(bucket.available()).toBeGreaterThan(-0.01);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new TokenBucket({ limit: 0, intervalMs: 1000 }, systemClock)).toThrow('Invalid rate limit');
  });
});

describe('pacing through the transport', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());
  const get: HttpRequest = { method: 'GET', path: '/v1/x', operation: 'x.get' };

  it('paces per provider with the configured override (5 per second: the 6th and 7th wait)', async () => {
    const clock = fakeClock();
    const t = new Transport({ clock, rateLimits: { acme: { limit: 5, intervalMs: 1000 } } });
    const http = t.forConnection(acmeManifest({ rateLimit: { limit: 1000, intervalMs: 1000 } }), acmeConnection(server.url));
    for (let i = 0; i < 7; i++) await http.request(get);
    expect(clock.sleeps).toEqual([200, 200]);
    expect(server.hits).toHaveLength(7);
  });

  it("uses the manifest's rate limit and keeps one bucket per connection", async () => {
    const clock = fakeClock();
    const t = new Transport({ clock });
    const manifest = acmeManifest({ rateLimit: { limit: 2, intervalMs: 1000 } });
    const a = t.forConnection(manifest, acmeConnection(server.url, 'conn_a'));
    const b = t.forConnection(manifest, acmeConnection(server.url, 'conn_b'));
    await Promise.all([a.request(get), a.request(get), b.request(get), b.request(get)]);
    expect(clock.sleeps).toEqual([]);
    await a.request(get);
    expect(clock.sleeps).toEqual([500]);
  });

  it('makes the 6th concurrent call wait in real time', async () => {
    const t = new Transport({ rateLimits: { acme: { limit: 5, intervalMs: 1000 } } });
    const http = t.forConnection(acmeManifest(), acmeConnection(server.url));
    const started = performance.now();
    const done = await Promise.all(Array.from({ length: 6 }, () => http.request(get).then(() => performance.now() - started)));
    // The burst of 5 goes at once: paced one per 200 ms, the 5th would end after 800 ms. (The bound
    // leaves room for a loaded machine; the 6th's wait is what is timed.)
    expect(Math.max(...done.slice(0, 5))).toBeLessThan(600);
    expect(done[5]).toBeGreaterThanOrEqual(195);
  });
});
