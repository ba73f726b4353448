/**
 * Signing an application's users in with a provider (authorization code, PKCE S256 where the
 * entry supports it, a nonce for OpenID Connect entries):
 *
 * 1. `login` answers the provider's authorize URL; its one-time `state` (10 minutes) holds,
 *    sealed, the nonce, the PKCE verifier and where to send the user back.
 * 2. The provider sends the user to `/auth/<provider>/callback` (a POST for Apple's form_post);
 *    `callback` takes the state once, exchanges the code, and builds the profile: for OIDC entries
 *    from the id_token, verified (signature against the JWKS, issuer, audience, azp, nonce,
 *    expiry), completed from userinfo when it lacks the email or name; for the others from
 *    userinfo (GitHub: `/user` and its verified email from `/user/emails`). Apple's name, sent on
 *    the first sign-in only, is kept and filled into later profiles.
 * 3. The user goes back to `redirect?code=…` (a one-time code, 5 minutes) or
 *    `redirect?error=…&error_description=…`; the application's server calls `exchange(code)`
 *    once for the profile `{provider, subject, email, emailVerified, name, picture, raw}`.
 *
 * @example
 * const authorizeUrl = await signIn.login('google', { redirect: 'https://app.example/signed-in' });
 * // … the user signs in; the provider calls /auth/google/callback; the app gets ?code=… …
 * const profile = await signIn.exchange(code, 'default'); // { provider: 'google', subject: '…', email: '…', … }
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { HubError, toHubError } from '../core/errors.js';
import type { OneTimeTokens } from '../oauth/one-time.js';
import { pkcePair } from '../oauth/pkce.js';
import { oidcProfile } from '../oauth/profiles.js';
import { exchangeCode } from '../oauth/token-client.js';
import type { OAuthProfile } from '../oauth/types.js';
import { DEFAULT_TENANT } from './connections.js';
import { IdTokenError, JwksCache } from './id-token.js';
import type { OAuthApp, OAuthApps } from './oauth-apps.js';
import { assertCodeGrant, assertRedirect, authorizeUrl, exchangeRefusal, providerRefusal, takeState, withParams, type FlowWords } from './oauth-flow.js';
import { fetchProfile, userinfoProfile, type IdentityDetails } from './sign-in-profile.js';

const STATE_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 5 * 60_000;
const STATE = 'oauth.signin';
const CODE = 'identity.code';
const WORDS: FlowWords = { link: 'sign-in link', again: 'sign in again', retry: 'sign in again', denied: 'Sign-in was' };

/** The signed-in user, as `exchange` answers it. */
export interface SignInProfile extends OAuthProfile {
  provider: string;
  /** What the provider said: verified id_token claims and/or its userinfo answer. */
  raw: Record<string, unknown>;
}

interface SignInState {
  provider: string;
  tenant?: string;
  tenantId: string;
  redirect: string;
  verifier?: string;
  nonce?: string;
}

export type SignInResult = { redirect: string } | { status: number; body: { error: string; error_description: string } };

export interface SignInOptions {
  apps: OAuthApps;
  oneTime: OneTimeTokens;
  details: IdentityDetails;
  clock: Clock;
  /** The `redirect_uri` registered with the provider: `<public URL>/auth/<provider>/callback`. */
  callbackUrl(provider: string): string;
  /** Whether users may be sent back to `url` (`SWITCHBOARD_AUTH_REDIRECTS`). */
  redirectAllowed(url: string): boolean;
  jwks?: JwksCache;
}

/** Sign-in only needs the user once: no offline access, no forced consent screen. */
const CONNECT_ONLY_PARAMS = new Set(['access_type', 'prompt', 'include_granted_scopes']);

export class SignIn {
  private readonly jwks: JwksCache;

  constructor(private readonly o: SignInOptions) {
    this.jwks = o.jwks ?? new JwksCache({ now: () => o.clock.now() });
  }

  /** The provider's authorize URL for one sign-in. `tenantId`: the hub tenant whose API keys may exchange the code. */
  async login(provider: string, input: { redirect: string; tenant?: string; tenantId?: string }): Promise<string> {
    assertRedirect(this.o.redirectAllowed, input.redirect, 'redirect');
    const app = await this.o.apps.app(provider, { tenant: input.tenant });
    const { entry } = app;
    assertCodeGrant(app, provider, 'sign users in');
    const pkce = entry.pkce ? pkcePair() : undefined;
    const nonce = entry.kind === 'oidc' ? randomBytes(16).toString('base64url') : undefined;
    const state: SignInState = { provider, tenantId: input.tenantId ?? DEFAULT_TENANT, redirect: input.redirect, ...(input.tenant && { tenant: input.tenant }), ...(pkce && { verifier: pkce.verifier }), ...(nonce && { nonce }) };
    const { token } = await this.o.oneTime.issue(STATE, state, STATE_TTL_MS);
    const params = Object.fromEntries(Object.entries(entry.authorizeParams).filter(([k]) => !CONNECT_ONLY_PARAMS.has(k)));
    return authorizeUrl(app, { redirectUri: this.o.callbackUrl(provider), state: token, scopes: entry.scopes.default, params, ...(nonce && { nonce }), ...(pkce && { challenge: pkce.challenge }) });
  }

  /** The provider sent the user back (`GET` or, for form_post, `POST /auth/:provider/callback`). */
  async callback(provider: string, params: Record<string, string | undefined>): Promise<SignInResult> {
    const taken = await takeState<SignInState>(this.o.oneTime, STATE, params.state, WORDS);
    if (!('payload' in taken)) return taken;
    const s = taken.payload;
    const fail = ([error, description]: [string, string]): SignInResult => ({ redirect: withParams(s.redirect, { error, error_description: description }) });
    if (taken.expired) return fail(['expired_state', 'The sign-in took too long (10 minutes); sign in again.']);
    if (s.provider !== provider) return fail(['invalid_request', `This sign-in was started with ${s.provider}, not ${provider}.`]);
    let app: OAuthApp;
    try {
      app = await this.o.apps.app(provider, { tenant: s.tenant });
    } catch (err) {
      return fail(['server_error', toHubError(err).message]);
    }
    const name = app.entry.name;
    const refused = providerRefusal(name, params, WORDS);
    if (refused) return fail(refused);
    let profile: SignInProfile;
    try {
      profile = await this.profile(app, s, params);
    } catch (err) {
      if (err instanceof IdTokenError) return fail(['invalid_id_token', `${name}'s id_token was refused: ${err.message}.`]);
      return fail(exchangeRefusal(err, name, WORDS));
    }
    const { token } = await this.o.oneTime.issue(CODE, { profile, tenantId: s.tenantId }, CODE_TTL_MS);
    return { redirect: withParams(s.redirect, { code: token }) };
  }

  /**
   * The profile behind a one-time code, once. `tenantId`: the calling key's tenant (`all`: a key
   * with scope `*`, which may exchange any tenant's code).
   */
  async exchange(code: string, tenantId: string, all = false): Promise<SignInProfile> {
    const taken = await this.o.oneTime.take<{ profile: SignInProfile; tenantId: string }>(CODE, code);
    if (!taken.ok) {
      if (taken.reason === 'unknown') throw new HubError('not_found', 'code: unknown sign-in code');
      throw new HubError('conflict', taken.reason === 'used' ? 'code: this sign-in code was already exchanged; codes are one-time' : 'code: this sign-in code expired (5 minutes); sign the user in again');
    }
    if (!all && taken.payload.tenantId !== tenantId) throw new HubError('not_found', 'code: unknown sign-in code (it belongs to another tenant)');
    return taken.payload.profile;
  }

  private async profile(app: OAuthApp, s: SignInState, params: Record<string, string | undefined>): Promise<SignInProfile> {
    const { entry } = app;
    const tokens = await exchangeCode(app.http, app.endpoint, { code: params.code!, redirectUri: this.o.callbackUrl(entry.id), ...(s.verifier && { codeVerifier: s.verifier }) }, { now: () => this.o.clock.now() });
    let raw: Record<string, unknown>;
    if (entry.kind === 'oidc') {
      const idToken = tokens.extra?.id_token;
      if (typeof idToken !== 'string') throw new IdTokenError('malformed', 'the token answer has no id_token');
      raw = { ...(await this.verify(app, s, idToken)) };
      if (entry.endpoints.userinfoUrl && (raw.email === undefined || raw.name === undefined)) {
        const info = await fetchProfile(app.http, entry, entry.endpoints.userinfoUrl, tokens.accessToken);
        // OIDC Core §5.3.4: a userinfo answer about another subject must not be used.
        if (info.sub !== raw.sub) throw new IdTokenError('claims', "the userinfo subject is not the id_token's");
        raw = { ...info, ...raw };
      }
    } else {
      raw = await userinfoProfile(app.http, entry, tokens.accessToken);
    }
    const map = entry.profile ?? oidcProfile;
    if (entry.authorizeParams.response_mode === 'form_post') raw = await this.onceOnly(entry.id, map(raw).subject, raw, params.user);
    return { provider: entry.id, ...map(raw), raw };
  }

  private verify(app: OAuthApp, s: SignInState, idToken: string) {
    const { entry } = app;
    const { issuer, jwksUrl } = entry.endpoints;
    if (!issuer || !jwksUrl) throw new IdTokenError('claims', `${entry.id}: the catalog entry has no issuer or JWKS URL to verify its id_token with`);
    // Microsoft's common/organizations/consumers: `iss` names the user's own tenant (`tid`).
    const tenant = s.tenant ?? app.client.tenantId ?? entry.tenant?.default;
    const multi = !!entry.tenant && !!tenant && entry.tenant.special.includes(tenant);
    const expected = multi ? issuer.replace(new RegExp(`/${tenant}(?=/|$)`), '/{tenant}') : issuer;
    return this.jwks.verify(app.http, jwksUrl, idToken, { issuer: expected, tenantFromToken: multi, audience: app.endpoint.clientId, nonce: s.nonce, now: this.o.clock.now() }, entry.id);
  }

  /** Apple's `user` form field (the name) comes on the first sign-in only: keep it, and fill it in later. */
  private async onceOnly(provider: string, subject: string, raw: Record<string, unknown>, user: string | undefined): Promise<Record<string, unknown>> {
    if (user) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(user);
      } catch {
        return raw;
      }
      await this.o.details.remember(provider, subject, { user: parsed });
      return { ...raw, user: parsed };
    }
    const kept = await this.o.details.recall(provider, subject);
    return kept ? { ...raw, ...kept } : raw;
  }
}
