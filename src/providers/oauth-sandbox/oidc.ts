/**
 * The sandbox's OpenID Connect side: one RS256 key made at start, id_tokens signed with it
 * (iss, aud, sub, nonce, iat, exp and the profile claims), the JWKS that verifies them and each
 * OIDC provider's discovery document.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { randomId } from '../emulator-kit.js';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import { oidcClaims, type SandboxUser } from './users.js';

export interface OidcSigner {
  readonly kid: string;
  /** The public JWKS (`{keys: [...]}`). */
  readonly jwks: { keys: JWK[] };
  sign(claims: Record<string, unknown>, options: { issuer: string; audience: string; subject: string; lifetimeSec: number }): Promise<string>;
}

/**
 * A fresh RS256 signer.
 *
 * @example
 * const signer = await createOidcSigner();
 * const idToken = await signer.sign({ nonce }, { issuer, audience: clientId, subject: user.subject, lifetimeSec: 3600 });
 */
export async function createOidcSigner(): Promise<OidcSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `sandbox-${randomId(6)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    jwks: { keys: [jwk] },
    sign: (claims, o) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(o.issuer)
        .setAudience(o.audience)
        .setSubject(o.subject)
        .setIssuedAt(now)
        .setExpirationTime(now + o.lifetimeSec)
        .sign(privateKey);
    },
  };
}

/** The profile claims an id_token of `entry` carries for `user` (Microsoft adds oid, tid, preferred_username). */
export function idTokenClaims(entry: OAuthProviderEntry, user: SandboxUser, extra: { nonce?: string; tenantId?: string }): Record<string, unknown> {
  const { sub: _sub, ...claims } = oidcClaims(user);
  const vendor =
    entry.id === 'microsoft' ? { oid: user.subject, tid: extra.tenantId, preferred_username: user.email, ver: '2.0' }
    : entry.id === 'apple' ? { email_verified: 'true', is_private_email: 'false', auth_time: Math.floor(Date.now() / 1000) }
    : {};
  // Apple's id_token carries no name or picture: the name only comes once, in the `user` form field.
  const profile = entry.id === 'apple' ? { email: claims.email } : claims;
  return { ...profile, ...vendor, ...(extra.nonce !== undefined && { nonce: extra.nonce }) };
}

/** The discovery document of a sandboxed OIDC entry whose `{tenant}` is already filled. */
export function discoveryDocument(entry: OAuthProviderEntry, issuer: string): Record<string, unknown> {
  const e = entry.endpoints;
  return {
    issuer,
    authorization_endpoint: e.authorizeUrl,
    token_endpoint: e.tokenUrl,
    ...(e.userinfoUrl && { userinfo_endpoint: e.userinfoUrl }),
    jwks_uri: e.jwksUrl,
    ...(entry.revoke?.style === 'rfc7009' && { revocation_endpoint: entry.revoke.url }),
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: entry.grants,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile', ...entry.scopes.default.filter((s) => !['openid', 'email', 'profile'].includes(s))],
    token_endpoint_auth_methods_supported: [entry.clientAuth === 'client_secret_basic' ? 'client_secret_basic' : 'client_secret_post'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'picture'],
    ...(entry.pkce && { code_challenge_methods_supported: ['S256'] }),
  };
}
