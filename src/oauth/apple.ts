/**
 * Sign in with Apple has no static client secret: each token request carries an ES256 JWT signed
 * with the team's private key (`.p8`), issued by the team id, about the Services id, for
 * `https://appleid.apple.com`, valid at most six months.
 *
 * @see https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
 */
import type { KeyObject, webcrypto } from 'node:crypto';
import { HubError } from '../core/errors.js';

export const APPLE_AUDIENCE = 'https://appleid.apple.com';
/** Apple refuses a client secret that expires more than 15,777,000 s (6 months) after it was issued. */
export const APPLE_MAX_LIFETIME_SEC = 15_777_000;

export interface AppleClientSecretOptions {
  /** `APPLE_TEAM_ID`: the JWT's `iss`. */
  teamId: string;
  /** The Services id (`APPLE_CLIENT_ID`): the JWT's `sub`. */
  clientId: string;
  /** `APPLE_KEY_ID`: the JWT header's `kid`. */
  keyId: string;
  /** `APPLE_PRIVATE_KEY`: the `.p8` PKCS#8 PEM (literal `\n` sequences, as env files hold them, are accepted). */
  privateKey: string;
  /** Seconds the secret is valid (default 5 minutes: one is made per request); at most six months. */
  lifetimeSec?: number;
  /** Seconds since the epoch (tests); default now. */
  now?: number;
}

/**
 * A fresh client secret for one request to Apple's token or revoke endpoint.
 *
 * @example
 * const clientSecret = await appleClientSecret({ teamId: 'ABCDE12345', clientId: 'com.example.web', keyId: 'KEY123', privateKey: process.env.APPLE_PRIVATE_KEY! });
 * form.set('client_secret', clientSecret);
 */
export async function appleClientSecret(options: AppleClientSecretOptions): Promise<string> {
  const lifetime = options.lifetimeSec ?? 300;
  if (!(lifetime > 0 && lifetime <= APPLE_MAX_LIFETIME_SEC)) {
    throw new HubError('config_invalid', `Apple client secret lifetime must be 1..${APPLE_MAX_LIFETIME_SEC} s (six months); got ${lifetime}`);
  }
  for (const field of ['teamId', 'clientId', 'keyId', 'privateKey'] as const) {
    if (!options[field]?.trim()) throw new HubError('config_invalid', `Apple client secret: ${appleEnvName(field)} is not set`);
  }
  const { importPKCS8, SignJWT } = await import('jose'); // loaded on the first Apple request, not at start
  let key: webcrypto.CryptoKey | KeyObject;
  try {
    key = await importPKCS8(options.privateKey.replace(/\\n/g, '\n').trim(), 'ES256');
  } catch (cause) {
    throw new HubError('config_invalid', 'APPLE_PRIVATE_KEY is not a PKCS#8 EC P-256 PEM (the .p8 file Apple gives)', { cause });
  }
  const iat = options.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: options.keyId })
    .setIssuer(options.teamId)
    .setSubject(options.clientId)
    .setAudience(APPLE_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(key);
}

function appleEnvName(field: 'teamId' | 'clientId' | 'keyId' | 'privateKey'): string {
  return { teamId: 'APPLE_TEAM_ID', clientId: 'APPLE_CLIENT_ID', keyId: 'APPLE_KEY_ID', privateKey: 'APPLE_PRIVATE_KEY' }[field];
}
