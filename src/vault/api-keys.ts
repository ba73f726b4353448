/**
 * API keys for the hub's REST API (`Authorization: Bearer sb_live_…`).
 *
 * A key is `sb_live_` (or `sb_test_` for sandbox) followed by 32 random bytes in base64url. The
 * hub stores only the SHA-256 hash of the key, plus a short prefix to show in lists; the full key
 * is shown once, at creation.
 *
 * Why SHA-256 and not bcrypt/scrypt/argon2: slow, salted hashes protect *low-entropy* secrets
 * (passwords people choose) against dictionary attacks on a stolen table. An API key here carries
 * 256 bits of randomness, so there is no dictionary to try and brute force is out of reach with any
 * hash; a slow hash would add nothing but ~100 ms of CPU to every authenticated request, and a
 * salt would prevent looking the key up by its hash with an index.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const RANDOM_BYTES = 32;
/** Characters of the key shown in lists: `sb_live_` plus 4 random characters. */
export const API_KEY_PREFIX_LENGTH = 12;
const FORMAT = /^sb_(live|test)_[A-Za-z0-9_-]{43}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A new API key: `key` is shown to the user once; store `prefix` and `hash`. */
export interface GeneratedApiKey {
  /** The full secret, e.g. `sb_live_3q2+…` (51 characters). */
  key: string;
  /** First 12 characters, safe to show in lists (`sb_live_Ab3x`). */
  prefix: string;
  /** SHA-256 of the key, lowercase hex: what the store keeps and looks up. */
  hash: string;
}

export interface GenerateApiKeyOptions {
  /** A sandbox key (`sb_test_`), for hubs and tenants running against the emulators. */
  sandbox?: boolean;
}

/**
 * Make a new API key.
 *
 * @example
 * const { key, prefix, hash } = generateApiKey();
 * await store.apiKeys.insert({ prefix, hash }); // show `key` once, never store it
 */
export function generateApiKey(options: GenerateApiKeyOptions = {}): GeneratedApiKey {
  const key = `sb_${options.sandbox ? 'test' : 'live'}_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX_LENGTH), hash: hashApiKey(key) };
}

/**
 * SHA-256 of an API key, lowercase hex (see the module comment for why a fast hash is right).
 *
 * @example
 * const row = await store.apiKeys.findByHash(hashApiKey(bearerToken));
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * True when the string has the shape of a hub API key; lets the server answer a malformed
 * `Authorization` header with a precise message and skip the store lookup.
 *
 * @example
 * isApiKeyFormat('sb_live_' + 'A'.repeat(43)) // true
 * isApiKeyFormat('sk_live_123') // false
 */
export function isApiKeyFormat(key: string): boolean {
  return typeof key === 'string' && FORMAT.test(key);
}

/** `live` or `test` for a well-formed key, else `undefined`. */
export function apiKeyMode(key: string): 'live' | 'test' | undefined {
  if (!isApiKeyFormat(key)) return undefined;
  return key.startsWith('sb_test_') ? 'test' : 'live';
}

/**
 * Compare a presented key with a stored hash in constant time (for when a row is found by prefix
 * or id rather than by hash). Returns false for a malformed stored hash instead of throwing.
 *
 * @example
 * if (!verifyApiKey(bearerToken, row.hash)) throw new HubError('unauthorized', 'Unknown API key.');
 */
export function verifyApiKey(key: string, storedHash: string): boolean {
  if (!SHA256_HEX.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashApiKey(key), 'hex'), Buffer.from(storedHash, 'hex'));
}
