/**
 * PKCE (RFC 7636): a random verifier kept by the client, its S256 challenge sent with the
 * authorization request, the verifier sent with the code. Only S256: every catalog provider that
 * supports PKCE accepts it, and `plain` protects nothing.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * A fresh code verifier: 32 random bytes as base64url (43 characters), as RFC 7636 §4.1 recommends.
 *
 * @example
 * const verifier = pkceVerifier(); // 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'-like
 */
export function pkceVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `value` is a well-formed code verifier (RFC 7636 §4.1). */
export function isPkceVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

/**
 * The S256 challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`, no padding.
 *
 * @example
 * pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * @see https://www.rfc-editor.org/rfc/rfc7636#appendix-B
 */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * A verifier and its S256 challenge, ready for an authorization request.
 *
 * @example
 * const { verifier, challenge, method } = pkcePair();
 * url.searchParams.set('code_challenge', challenge); url.searchParams.set('code_challenge_method', method);
 */
export function pkcePair(): { verifier: string; challenge: string; method: 'S256' } {
  const verifier = pkceVerifier();
  return { verifier, challenge: pkceChallenge(verifier), method: 'S256' };
}
