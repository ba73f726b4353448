import { describe, expect, it } from 'vitest';
import { vectors } from '../../test/fixtures/vectors/index.js';
import { isPkceVerifier, pkceChallenge, pkcePair, pkceVerifier } from './pkce.js';

describe('PKCE', () => {
  it('the RFC 7636 appendix B verifier gives its S256 challenge', () => {
    const v = vectors.pkce();
    expect(v.source).toBe('RFC 7636 appendix B');
    expect(pkceChallenge(v.verifier)).toBe(v.challenge);
  });

  it('a fresh verifier is 43 characters of the RFC alphabet, new each time, and its pair matches', () => {
    const a = pkceVerifier();
    expect(isPkceVerifier(a)).toBe(true);
    expect(a).toHaveLength(43);
    expect(pkceVerifier()).not.toBe(a);
    const pair = pkcePair();
    expect(pair.method).toBe('S256');
    expect(pkceChallenge(pair.verifier)).toBe(pair.challenge);
  });

  it('refuses malformed verifiers', () => {
    expect(isPkceVerifier('short')).toBe(false);
    expect(isPkceVerifier('a'.repeat(129))).toBe(false);
    expect(isPkceVerifier(`${'a'.repeat(42)}+`)).toBe(false);
  });
});
