/**
 * The id_token verifier against forged tokens made with `jose` and a JWKS served by a real local
 * HTTP server through the transport: another key, wrong audience, wrong issuer, wrong nonce,
 * expired, `azp` of another client, HS256 with a guessable secret; each refused with its reason.
 * Microsoft's multi-tenant issuer is filled from the token's `tid`; a rotated key is fetched again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeConnection, acmeManifest } from '../transport/test-utils/server.js';
import { Transport } from '../transport/transport.js';
import { IdTokenError, JwksCache, verifyIdToken } from './id-token.js';

const ISSUER = 'https://issuer.example.com';
const CLIENT = 'client-123';
const NONCE = 'n-0S6_WzA2Mj';
let server: Server;
let jwksUrl: string;
let served: { keys: JWK[] };
let fetches = 0;
let key: CryptoKey;
let other: CryptoKey;
let otherPublic: CryptoKey;

const sign = (claims: Record<string, unknown> = {}, o: { key?: CryptoKey; kid?: string; iss?: string; aud?: string | string[]; exp?: number; alg?: string } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ nonce: NONCE, ...claims })
    .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'k1' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? CLIENT)
    .setSubject('user-1')
    .setIssuedAt(now - 10)
    .setExpirationTime(o.exp ?? now + 600)
    .sign(o.key ?? key);
};
const expected = { issuer: ISSUER, audience: CLIENT, nonce: NONCE };
const reason = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(IdTokenError);
  return (err as IdTokenError).reason;
};

beforeAll(async () => {
  const mine = await generateKeyPair('RS256');
  key = mine.privateKey;
  ({ privateKey: other, publicKey: otherPublic } = await generateKeyPair('RS256'));
  served = { keys: [{ ...(await exportJWK(mine.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
  server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('verifyIdToken', () => {
  it('accepts a token signed by a JWKS key, for this client, with the nonce sent', async () => {
    const claims = await verifyIdToken(await sign({ email: 'a@b.c' }), served, expected);
    expect(claims).toMatchObject({ sub: 'user-1', email: 'a@b.c', aud: CLIENT, iss: ISSUER });
  });

  it('refuses forged tokens, saying what failed', async () => {
    expect(await reason(verifyIdToken(await sign({}, { key: other }), served, expected))).toBe('signature');
    expect(await reason(verifyIdToken(await sign({}, { key: other, kid: 'unknown' }), served, expected))).toBe('signature');
    expect(await reason(verifyIdToken(await sign({}, { aud: 'someone-else' }), served, expected))).toBe('audience');
    expect(await reason(verifyIdToken(await sign({}, { iss: 'https://evil.example.com' }), served, expected))).toBe('issuer');
    expect(await reason(verifyIdToken(await sign({ nonce: 'replayed' }), served, expected))).toBe('nonce');
    expect(await reason(verifyIdToken(await sign({ nonce: undefined }), served, expected))).toBe('nonce');
    expect(await reason(verifyIdToken(await sign({}, { exp: Math.floor(Date.now() / 1000) - 120 }), served, expected))).toBe('expired');
    expect(await reason(verifyIdToken(await sign({ azp: 'another-client' }), served, expected))).toBe('azp');
    expect(await reason(verifyIdToken(await sign({}, { aud: [CLIENT, 'another-client'] }), served, expected))).toBe('azp');
    const hs = await new SignJWT({ nonce: NONCE }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(CLIENT).setSubject('u').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await reason(verifyIdToken(hs, served, expected))).toBe('signature');
    expect(await reason(verifyIdToken('not.a.jwt', served, expected))).toBe('malformed');
  });

  it('accepts an expiry within the clock tolerance (60 s) and not beyond', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyIdToken(await sign({}, { exp: now - 30 }), served, expected)).resolves.toMatchObject({ sub: 'user-1' });
    expect(await reason(verifyIdToken(await sign({}, { exp: now - 30 }), served, { ...expected, clockToleranceSec: 5 }))).toBe('expired');
  });

  it("Microsoft common: the issuer is the catalog's with the token's own tid; a token whose iss names another tenant is refused", async () => {
    const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const template = { ...expected, issuer: 'https://login.microsoftonline.com/{tenant}/v2.0', tenantFromToken: true };
    const good = await sign({ tid }, { iss: `https://login.microsoftonline.com/${tid}/v2.0` });
    await expect(verifyIdToken(good, served, template)).resolves.toMatchObject({ tid });
    const mismatched = await sign({ tid }, { iss: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0' });
    expect(await reason(verifyIdToken(mismatched, served, template))).toBe('issuer');
    expect(await reason(verifyIdToken(await sign({}, { iss: 'https://login.microsoftonline.com/common/v2.0' }), served, template))).toBe('issuer');
  });
});

describe('JwksCache', () => {
  it('fetches the JWKS through the transport once, and again when the provider rotated its key', async () => {
    const audit: string[] = [];
    const http = new Transport({ audit: (e) => audit.push(`${e.operation} ${e.status}`) }).forConnection(acmeManifest({ id: 'acme' }), acmeConnection(jwksUrl));
    let now = Date.now();
    const cache = new JwksCache({ now: () => now });
    const before = fetches;
    await cache.verify(http, jwksUrl, await sign(), expected, 'acme');
    await cache.verify(http, jwksUrl, await sign(), expected, 'acme');
    expect(fetches - before).toBe(1);
    expect(audit).toEqual(['acme.jwks 200']);

    served = { keys: [...served.keys, { ...(await exportJWK(otherPublic)), kid: 'k2', alg: 'RS256', use: 'sig' }] };
    now += 60_000;
    await expect(cache.verify(http, jwksUrl, await sign({}, { key: other, kid: 'k2' }), expected, 'acme')).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetches - before).toBe(2);
    expect(await reason(cache.verify(http, jwksUrl, await sign({}, { key: other, kid: 'k3' }), expected, 'acme'))).toBe('signature');
    expect(fetches - before).toBe(2); // fetched less than 30 s ago: not again
  });
});
