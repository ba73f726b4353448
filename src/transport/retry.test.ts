import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { countsForBreaker, mapThrown } from './failures.js';
import { parseRetryAfter } from './http.js';
import { backoffDelay, DEFAULT_RETRY, resolveRetryPolicy, retryDelay } from './retry.js';

const acme = { id: 'acme', name: 'Acme' };
const policy = resolveRetryPolicy({ maxAttempts: 4 });

describe('parseRetryAfter', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it.each([
    ['3', 3],
    [' 0 ', 0],
    ['1.5', 1.5],
    ['Tue, 01 Jan 2030 00:01:00 GMT', 60],
    ['Mon, 31 Dec 2029 23:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%j → %j seconds', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(max, base·2^(n-1))]', () => {
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0)).toBe(0);
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0.999)).toBeLessThanOrEqual(200);
    expect(backoffDelay(3, DEFAULT_RETRY, () => 1)).toBe(800);
    expect(backoffDelay(20, DEFAULT_RETRY, () => 1)).toBe(10_000);
    const samples = Array.from({ length: 200 }, () => backoffDelay(2, DEFAULT_RETRY));
    expect(Math.max(...samples)).toBeLessThanOrEqual(400);
    expect(new Set(samples).size).toBeGreaterThan(20);
  });
});

describe('retryDelay', () => {
  const unavailable = (details?: Record<string, unknown>, providerStatus?: number) =>
    new HubError('provider_unavailable', 'down', { provider: 'acme', details, providerStatus });

  it('retries retryable errors of idempotent calls until maxAttempts', () => {
    expect(retryDelay(unavailable(), 1, policy, true, () => 1)).toBe(200);
    expect(retryDelay(unavailable(), 3, policy, true, () => 1)).toBe(800);
    expect(retryDelay(unavailable(), 4, policy, true)).toBeUndefined();
  });

  it('never retries non-retryable errors or an open circuit', () => {
    expect(retryDelay(new HubError('provider_rejected', 'bad'), 1, policy, true)).toBeUndefined();
    expect(retryDelay(new HubError('circuit_open', 'open'), 1, policy, true)).toBeUndefined();
  });

  it('retries a non-idempotent call only when the provider surely did not process it', () => {
    expect(retryDelay(unavailable({ uncertain: true }), 1, policy, false)).toBeUndefined();
    expect(retryDelay(unavailable(undefined, 503), 1, policy, false)).toBeUndefined();
    expect(retryDelay(unavailable({ sent: false }), 1, policy, false)).toBeDefined();
    expect(retryDelay(new HubError('provider_rate_limited', '429', { providerStatus: 429 }), 1, policy, false)).toBeDefined();
  });

  it('honours retryAfter up to maxDelayMs', () => {
    const limited = (retryAfter: number) => new HubError('provider_rate_limited', '429', { providerStatus: 429, retryAfter });
    expect(retryDelay(limited(2), 1, policy, false)).toBe(2000);
    expect(retryDelay(limited(10), 1, policy, false)).toBe(10_000);
    expect(retryDelay(limited(11), 1, policy, false)).toBeUndefined();
  });
});

describe('mapThrown', () => {
  const sys = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('marks refused and DNS failures as never sent', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']) {
      const err = mapThrown(sys(code), acme);
      expect(err.code).toBe('provider_unavailable');
      expect(err.details).toMatchObject({ sent: false });
      expect(err.message).toContain('ACME_API_BASE');
    }
  });

  it('marks dropped connections as uncertain and timeouts as provider_timeout', () => {
    expect(mapThrown(sys('UND_ERR_SOCKET', 'other side closed'), acme).details).toMatchObject({ uncertain: true });
    expect(mapThrown(sys('ECONNRESET'), acme).details).toMatchObject({ uncertain: true });
    expect(mapThrown(sys('UND_ERR_HEADERS_TIMEOUT'), acme).code).toBe('provider_timeout');
  });

  it('finds the code on a cause chain (fetch) and in an AggregateError', () => {
    const viaFetch = new TypeError('fetch failed', { cause: sys('ECONNREFUSED') });
    expect(mapThrown(viaFetch, acme).details).toMatchObject({ sent: false });
    const aggregate = new AggregateError([new Error('x'), sys('ECONNREFUSED')], 'connect failed');
    expect(mapThrown(aggregate, acme).details).toMatchObject({ sent: false });
  });

  it('passes HubErrors through and makes anything else a non-retryable provider_error', () => {
    const hub = new HubError('provider_rejected', 'no');
    expect(mapThrown(hub, acme)).toBe(hub);
    const other = mapThrown(new Error('weird'), acme);
    expect(other.code).toBe('provider_error');
    expect(other.retryable).toBe(false);
  });
});

describe('countsForBreaker', () => {
  it('counts 5xx, timeouts and network failures, not 4xx', () => {
    expect(countsForBreaker(new HubError('provider_unavailable', '', { providerStatus: 503 }))).toBe(true);
    expect(countsForBreaker(new HubError('provider_timeout', ''))).toBe(true);
    expect(countsForBreaker(mapThrown(Object.assign(new Error(), { code: 'ECONNREFUSED' }), acme))).toBe(true);
    expect(countsForBreaker(new HubError('provider_rate_limited', '', { providerStatus: 429 }))).toBe(false);
    expect(countsForBreaker(new HubError('provider_rejected', '', { providerStatus: 400 }))).toBe(false);
    expect(countsForBreaker(new HubError('provider_error', '', { providerStatus: 500 }))).toBe(false);
    expect(countsForBreaker(new Error('x'))).toBe(false);
  });
});
