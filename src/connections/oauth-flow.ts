/**
 * What connecting an account (`oauth-connect.ts`) and signing a user in (`sign-in.ts`) share: the
 * redirect check, the authorize URL, taking the one-time state back, and the provider's refusals
 * told to the application as `error` + a readable `error_description`. The two flows differ only in
 * the words (`FlowWords`) and in what they do with the code.
 *
 * @example
 * const url = authorizeUrl(app, { redirectUri, state: token, scopes, challenge: pkce.challenge });
 */
import { HubError, toHubError } from '../core/errors.js';
import type { OneTimeTokens } from '../oauth/one-time.js';
import type { OAuthApp } from './oauth-apps.js';

/** How a flow names itself in its messages. */
export interface FlowWords {
  /** `connect link`, `sign-in link`. */
  link: string;
  /** `start connecting again`, `sign in again`. */
  again: string;
  /** `connect again`, `sign in again`. */
  retry: string;
  /** `Access was`, `Sign-in was` (denied at the provider). */
  denied: string;
}

/** A callback answer that cannot redirect (there is no trusted target without a valid state). */
export interface StateRefusal {
  status: 400;
  body: { error: string; error_description: string };
}

/** A 400 naming `field` when `url` is not on an origin of `SWITCHBOARD_AUTH_REDIRECTS`. */
export function assertRedirect(allowed: (url: string) => boolean, url: string, field: string): void {
  if (!allowed(url)) throw new HubError('validation_failed', `${field}: ${url} is not allowed; add its origin to SWITCHBOARD_AUTH_REDIRECTS`, { errors: [{ field, message: 'not in SWITCHBOARD_AUTH_REDIRECTS' }] });
}

/** The provider's authorize URL for one authorization-code flow (`params`: the entry's extra parameters to send). */
export function authorizeUrl(app: OAuthApp, o: { redirectUri: string; state: string; scopes: string[]; params: Record<string, string>; challenge?: string; nonce?: string }): string {
  const url = new URL(app.entry.endpoints.authorizeUrl!);
  const params: Record<string, string> = { response_type: 'code', client_id: app.endpoint.clientId, redirect_uri: o.redirectUri, state: o.state, ...o.params };
  if (o.scopes.length > 0) params.scope = o.scopes.join(app.entry.scopes.separator);
  if (o.nonce) params.nonce = o.nonce;
  if (o.challenge) Object.assign(params, { code_challenge: o.challenge, code_challenge_method: 'S256' });
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** A 400 for an app without the authorization code grant (`what`: `connect user accounts`). */
export function assertCodeGrant(app: OAuthApp, provider: string, what: string): void {
  if (!app.entry.grants.includes('authorization_code') || !app.entry.endpoints.authorizeUrl) {
    throw new HubError('validation_failed', `provider: ${provider} does not ${what} (no authorization code grant)`, { errors: [{ field: 'provider', message: 'no authorization code grant' }] });
  }
}

/**
 * The state of a callback taken back once: its payload (`expired` when past its time: the flow
 * still knows where to send the user back), or the 400 for a missing, unknown or used one.
 */
export async function takeState<T>(oneTime: OneTimeTokens, kind: string, state: string | undefined, words: FlowWords): Promise<{ payload: T; expired: boolean } | StateRefusal> {
  if (!state) return { status: 400, body: { error: 'invalid_request', error_description: `state: missing; ${words.again} from the application` } };
  const taken = await oneTime.take<T>(kind, state);
  if (taken.ok) return { payload: taken.payload, expired: false };
  if (taken.reason === 'expired') return { payload: taken.payload, expired: true };
  const why = taken.reason === 'used' ? `this ${words.link} was already used` : `this ${words.link} is unknown`;
  return { status: 400, body: { error: 'invalid_state', error_description: `${why}; ${words.again} from the application` } };
}

/** What the provider's callback says instead of a code (denied, its own error, nothing), or undefined. */
export function providerRefusal(name: string, query: Record<string, string | undefined>, words: FlowWords): [error: string, description: string] | undefined {
  if (query.error) return [query.error, query.error === 'access_denied' ? `${words.denied} denied at ${name}.` : `${name} answered ${query.error}${query.error_description ? `: ${query.error_description}` : ''}`];
  if (!query.code) return ['invalid_request', `${name} sent no authorization code.`];
  return undefined;
}

/** A failed code exchange as the application hears it: a used or expired code, a wrong client, or the error. */
export function exchangeRefusal(err: unknown, name: string, words: FlowWords): [error: string, description: string] {
  const e = toHubError(err);
  if (e.code === 'oauth_invalid_grant') return ['invalid_grant', `${name} refused the authorization code (expired or already used); ${words.retry}.`];
  if (e.code === 'provider_auth_failed' || e.code === 'config_invalid') return ['invalid_client', e.message];
  return ['server_error', e.message];
}

/** `target` with `params` set in its query. */
export function withParams(target: string, params: Record<string, string>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
