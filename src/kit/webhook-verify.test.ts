/**
 * The shared verifier helpers: rotation (any secret, every candidate), the tolerance both ways,
 * the raw-body hints, and the headers a stored request keeps.
 */
import { describe, expect, it } from 'vitest';
import type { HubError } from '../core/errors.js';
import { checkTimestamp, headerOf, hmacSha256, matchSecret, noSecretMatched, rawBodyHint, safeEqual, storableHeaders } from './webhook-verify.js';

describe('webhook-verify', () => {
  it('matches any secret against any given signature (rotation on both sides)', () => {
    const body = Buffer.from('{"a":1}');
    const sig = (s: string) => hmacSha256(s, body).toString('hex');
    expect(matchSecret(['new', 'old'], sig, ['garbage', sig('old')])).toBe('old');
    expect(matchSecret(['new'], sig, [sig('old')])).toBeUndefined();
    expect(matchSecret([], sig, [sig('old')])).toBeUndefined();
  });

  it('compares in constant time and refuses different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
  });

  it('refuses timestamps outside the tolerance in both directions, and non-numbers', () => {
    const now = 1_700_000_000_000;
    expect(() => checkTimestamp('1700000000', now, 300, 'X')).not.toThrow();
    expect(() => checkTimestamp(1_700_000_299, now, 300, 'X')).not.toThrow();
    for (const [v, code] of [['1699999000', 'webhook_timestamp_stale'], ['1700001000', 'webhook_timestamp_stale'], ['soon', 'webhook_signature_invalid']] as const) {
      try {
        checkTimestamp(v, now, 300, 'X');
        throw new Error('accepted');
      } catch (err) {
        expect((err as HubError).code).toBe(code);
      }
    }
    expect(() => checkTimestamp('1', now, 0, 'X')).not.toThrow();
  });

  it('says what went wrong with the body', () => {
    expect(rawBodyHint(Buffer.from('[object Object]'))).toMatch(/"\[object Object\]": a parsed object was turned into a string/);
    expect(rawBodyHint(Buffer.alloc(0))).toMatch(/empty/);
    expect(rawBodyHint(Buffer.from('{"a":1}'))).toMatch(/did you pass parsed JSON instead of the raw body\?/);
    const e = noSecretMatched('GitHub', { rawBody: Buffer.from('{}'), secrets: ['a', 'b'] });
    expect(e).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringMatching(/none of the 2 configured secret\(s\).*raw body/) });
    expect(noSecretMatched('GitHub', { rawBody: Buffer.from('{}'), secrets: [] }).message).toMatch(/No GitHub verification secret/);
  });

  it('finds headers by any case and stores none of the credentials or signatures', () => {
    expect(headerOf({ 'X-Hub-Signature-256': ' sha256=ab ' }, 'x-hub-signature-256')).toBe('sha256=ab');
    expect(headerOf({ a: '  ' }, 'a')).toBeUndefined();
    const kept = storableHeaders({ Authorization: 'Bearer x', cookie: 'c=1', 'proxy-authorization': 'p', 'stripe-signature': 't=1,v1=ab', 'content-type': 'application/json', 'user-agent': 'Stripe/1.0' }, ['stripe-signature']);
    expect(kept).toEqual({ 'content-type': 'application/json', 'user-agent': 'Stripe/1.0' });
  });
});
