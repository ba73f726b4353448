/**
 * Verifying an OpenID Connect id_token (OIDC Core §3.1.3.7) with `jose`: the signature against the
 * provider's JWKS (fetched through the app's transport and cached per URL), the issuer, the
 * audience (the client id), `azp` where present, the nonce sent with the authorization request and
 * the expiry (with a small clock tolerance). Microsoft's multi-tenant endpoints (`common`,
 * `organizations`, `consumers`) sign tokens whose `iss` names the user's own tenant: the expected
 * issuer is the catalog's with that tenant's `tid` in place of `{tenant}`.
 *
 * Every refusal is an {@link IdTokenError} whose `reason` says what failed, so the sign-in can
 * send the application `error=invalid_id_token` with it instead of failing with a 500.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/id-tokens#validate-tokens
 */
import type { errors as JoseErrors, JSONWebKeySet, JWTPayload } from 'jose';
import type { ProviderHttp } from '../transport/types.js';

export type IdTokenFailure = 'malformed' | 'signature' | 'issuer' | 'audience' | 'azp' | 'nonce' | 'expired' | 'claims';

/** An id_token the hub refuses; `reason` is what failed. */
export class IdTokenError extends Error {
  constructor(
    readonly reason: IdTokenFailure,
    message: string,
  ) {
    super(message);
    this.name = 'IdTokenError';
  }
}

export interface IdTokenExpectations {
  /** The issuer, or for a multi-tenant entry the issuer with `{tenant}` where the token's `tid` goes. */
  issuer: string;
  /** Whether `{tenant}` in `issuer` is filled from the token's `tid` (Microsoft `common`, `organizations`, `consumers`). */
  tenantFromToken?: boolean;
  /** The client id. */
  audience: string;
  /** The nonce sent with the authorization request (absent: not checked). */
  nonce?: string;
  /** Seconds of clock skew accepted on `exp`, `iat` and `nbf` (default 60). */
  clockToleranceSec?: number;
  /** Epoch ms now (tests). */
  now?: number;
}

/** Asymmetric algorithms only: `none` and HMAC (a key the client also holds) are refused. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verify `token` against `jwks` and `expected`; answers its claims or throws {@link IdTokenError}.
 *
 * @example
 * const claims = await verifyIdToken(tokens.extra.id_token, jwks, { issuer: 'https://accounts.google.com', audience: clientId, nonce });
 * claims.sub; // the user's stable id at the provider
 */
export async function verifyIdToken(token: string, jwks: JSONWebKeySet, expected: IdTokenExpectations): Promise<JWTPayload> {
  const { createLocalJWKSet, decodeJwt, errors, jwtVerify } = await import('jose'); // loaded on the first sign-in, not at start
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw new IdTokenError('malformed', 'the id_token is not a JWT');
  }
  let issuer = expected.issuer;
  if (expected.tenantFromToken) {
    const tid = unverified.tid;
    if (typeof tid !== 'string' || !TENANT_ID.test(tid)) throw new IdTokenError('issuer', 'the id_token has no tenant id (tid) to check its issuer against');
    issuer = issuer.replace('{tenant}', tid);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer,
      audience: expected.audience,
      algorithms: ALGORITHMS,
      clockTolerance: expected.clockToleranceSec ?? 60,
      requiredClaims: ['sub', 'exp', 'iat'],
      ...(expected.now !== undefined && { currentDate: new Date(expected.now) }),
    }));
  } catch (err) {
    throw refusal(err, errors, issuer, expected.audience);
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.azp !== undefined ? payload.azp !== expected.audience : aud.length > 1) {
    throw new IdTokenError('azp', `the id_token was issued to another party (azp ${String(payload.azp ?? 'missing with several audiences')}, expected ${expected.audience})`);
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    throw new IdTokenError('nonce', payload.nonce === undefined ? 'the id_token carries no nonce' : 'the id_token nonce is not the one sent with this sign-in (a replayed token?)');
  }
  return payload;
}

function refusal(err: unknown, errors: typeof JoseErrors, issuer: string, audience: string): IdTokenError {
  if (err instanceof errors.JWTExpired) return new IdTokenError('expired', 'the id_token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new IdTokenError('issuer', `the id_token issuer is not ${issuer}`);
    if (err.claim === 'aud') return new IdTokenError('audience', `the id_token audience is not this client (${audience})`);
    return new IdTokenError('claims', `the id_token claim ${err.claim} is invalid: ${err.message}`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new IdTokenError('signature', "no key of the provider's JWKS matches the id_token's signature key (kid)");
  if (err instanceof errors.JWSSignatureVerificationFailed) return new IdTokenError('signature', "the id_token signature does not verify with the provider's keys");
  if (err instanceof errors.JOSEAlgNotAllowed) return new IdTokenError('signature', 'the id_token is not signed with an asymmetric algorithm');
  return new IdTokenError('malformed', `the id_token is invalid: ${(err as Error).message}`);
}

/**
 * A provider's JWKS, fetched through the app's transport and kept 10 minutes; fetched again at
 * once (at most every 30 s) when a token names a key it does not hold: the provider rotated keys.
 *
 * @example
 * const jwks = new JwksCache();
 * const claims = await jwks.verify(app.http, app.entry.endpoints.jwksUrl!, idToken, { issuer, audience, nonce }, 'google');
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export class JwksCache {
  private readonly sets = new Map<string, { keys: JSONWebKeySet; at: number }>();

  constructor(private readonly o: { now?: () => number; ttlMs?: number } = {}) {}

  async verify(http: ProviderHttp, url: string, token: string, expected: IdTokenExpectations, provider = 'oidc'): Promise<JWTPayload> {
    const now = (this.o.now ?? Date.now)();
    let hit = this.sets.get(url);
    if (!hit || now - hit.at > (this.o.ttlMs ?? 600_000)) hit = await this.fetch(http, url, now, provider);
    try {
      return await verifyIdToken(token, hit.keys, expected);
    } catch (err) {
      if (!(err instanceof IdTokenError && err.reason === 'signature' && now - hit.at > 30_000)) throw err;
      return verifyIdToken(token, (await this.fetch(http, url, now, provider)).keys, expected);
    }
  }

  private async fetch(http: ProviderHttp, url: string, now: number, provider: string): Promise<{ keys: JSONWebKeySet; at: number }> {
    const res = await http.request({ method: 'GET', path: url, auth: { type: 'none' }, operation: `${provider}.jwks` });
    const keys = res.json<JSONWebKeySet>();
    if (!Array.isArray(keys?.keys)) throw new IdTokenError('signature', `the provider's JWKS at ${url} has no keys`);
    const entry = { keys, at: now };
    this.sets.set(url, entry);
    return entry;
  }
}
