import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { APPLE_AUDIENCE, APPLE_MAX_LIFETIME_SEC, appleClientSecret } from './apple.js';

const keys = await generateKeyPair('ES256', { extractable: true });
const pem = await exportPKCS8(keys.privateKey);
const base = { teamId: 'ABCDE12345', clientId: 'com.example.web', keyId: 'KEY1234567', privateKey: pem };

describe('Apple client secret', () => {
  it('is an ES256 JWT with iss team, sub client, aud Apple, kid, verified by jose against the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await appleClientSecret({ ...base, now });
    const publicKey = await importSPKI(await exportSPKI(keys.publicKey), 'ES256');
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { issuer: 'ABCDE12345', audience: APPLE_AUDIENCE, subject: 'com.example.web', algorithms: ['ES256'] });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'KEY1234567' });
    expect(payload.iat).toBe(now);
    expect(payload.exp).toBe(now + 300);
  });

  it('is made per call (iat moves) and accepts a PEM with literal \\n as env files hold it', async () => {
    const flat = pem.trim().replace(/\n/g, '\\n');
    const a = await appleClientSecret({ ...base, privateKey: flat, now: 1_000 });
    const b = await appleClientSecret({ ...base, privateKey: flat, now: 2_000 });
    expect(a).not.toBe(b);
    expect(decodeProtectedHeader(a).kid).toBe('KEY1234567');
  });

  it('a key other than the team key fails verification', async () => {
    const other = await generateKeyPair('ES256');
    await expect(jwtVerify(await appleClientSecret(base), other.publicKey)).rejects.toThrow(/signature/);
  });

  it('refuses a lifetime over six months, a missing field and a non-EC key, naming the variable', async () => {
    await expect(appleClientSecret({ ...base, lifetimeSec: APPLE_MAX_LIFETIME_SEC + 1 })).rejects.toThrow(/six months/);
    await expect(appleClientSecret({ ...base, lifetimeSec: APPLE_MAX_LIFETIME_SEC })).resolves.toMatch(/^ey/);
    await expect(appleClientSecret({ ...base, keyId: '' })).rejects.toThrow(/APPLE_KEY_ID/);
    await expect(appleClientSecret({ ...base, privateKey: 'not a key' })).rejects.toThrow(/APPLE_PRIVATE_KEY/);
  });
});
