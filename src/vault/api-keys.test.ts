import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX_LENGTH, apiKeyMode, generateApiKey, hashApiKey, isApiKeyFormat, verifyApiKey } from './api-keys.js';

const FIXED_KEY = `sb_live_${'A'.repeat(43)}`;
/** `printf %s "$FIXED_KEY" | sha256sum` */
const FIXED_HASH = '6f2e38fed1321af2e4313bf7e615d7e7ec254149cd8c606cd91f285ae9e8c1ea';

describe('API keys', () => {
  it('are sb_live_ plus 32 random bytes in base64url', () => {
    const { key } = generateApiKey();
    expect(key).toMatch(/^sb_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(8), 'base64url')).toHaveLength(32);
    expect(isApiKeyFormat(key)).toBe(true);
    expect(apiKeyMode(key)).toBe('live');
  });

  it('are sb_test_ for sandbox', () => {
    const { key, prefix } = generateApiKey({ sandbox: true });
    expect(key).toMatch(/^sb_test_[A-Za-z0-9_-]{43}$/);
    expect(prefix.startsWith('sb_test_')).toBe(true);
    expect(apiKeyMode(key)).toBe('test');
  });

  it('have a 12-character prefix that is the start of the key', () => {
    const { key, prefix } = generateApiKey();
    expect(API_KEY_PREFIX_LENGTH).toBe(12);
    expect(prefix).toHaveLength(12);
    expect(key.startsWith(prefix)).toBe(true);
  });

  it('hash to SHA-256 hex, stably', () => {
    expect(hashApiKey(FIXED_KEY)).toBe(FIXED_HASH);
    const { key, hash } = generateApiKey();
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toBe(hash);
    expect(hash).not.toContain(key.slice(8));
  });

  it('differ from each other, and so do their hashes', () => {
    const made = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(made.map((m) => m.key)).size).toBe(200);
    expect(new Set(made.map((m) => m.hash)).size).toBe(200);
  });

  it.each([
    ['too short', `sb_live_${'A'.repeat(42)}`],
    ['too long', `sb_live_${'A'.repeat(44)}`],
    ['another scheme', `sb_prod_${'A'.repeat(43)}`],
    ['a Stripe key', `sk_live_${'A'.repeat(43)}`],
    ['standard base64 characters', `sb_live_${'+'.repeat(43)}`],
    ['surrounding space', ` ${FIXED_KEY}`],
    ['empty', ''],
    ['not a string', 42 as unknown as string],
  ])('are recognised by format: %s is not one', (_name, text) => {
    expect(isApiKeyFormat(text)).toBe(false);
    expect(apiKeyMode(text)).toBeUndefined();
  });

  it('verify against a stored hash', () => {
    const { key, hash } = generateApiKey();
    const other = generateApiKey();
    expect(verifyApiKey(key, hash)).toBe(true);
    expect(verifyApiKey(other.key, hash)).toBe(false);
    expect(verifyApiKey(key, hash.slice(0, 63))).toBe(false);
    expect(verifyApiKey(key, hash.toUpperCase())).toBe(true);
    expect(verifyApiKey(key, `${hash.slice(0, 63)}g`)).toBe(false);
    expect(verifyApiKey(key, '')).toBe(false);
  });
});
