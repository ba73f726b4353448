/**
 * The signed-in user's raw profile where it does not come from an id_token: the provider's
 * userinfo endpoint with the access token (GitHub's `/user` plus `/user/emails`, where the only
 * verified email is; Discord's `/users/@me`; Zoom's `/users/me`; HubSpot's token-in-path lookup),
 * and what a provider sends only once and the hub keeps ({@link IdentityDetails}: Apple's name).
 *
 * @see https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import type { OAuthProviderEntry } from '../oauth/types.js';
import type { Store } from '../store/store.js';
import type { ProviderHttp } from '../transport/types.js';
import type { Vault } from '../vault/vault.js';

type Raw = Record<string, unknown>;

/**
 * GET one of the provider's profile URLs with the user's access token, through the app's transport.
 *
 * @example
 * const user = await fetchProfile(app.http, app.entry, app.entry.endpoints.userinfoUrl!, tokens.accessToken);
 */
export async function fetchProfile(http: ProviderHttp, entry: OAuthProviderEntry, url: string, accessToken: string): Promise<Raw> {
  const inPath = url.includes('{accessToken}');
  const res = await http.request({
    method: 'GET',
    path: inPath ? url.replace('{accessToken}', encodeURIComponent(accessToken)) : url,
    auth: { type: 'none' },
    headers: { accept: 'application/json', ...entry.api.headers, ...(!inPath && { authorization: `Bearer ${accessToken}` }) },
    operation: `${entry.id}.userinfo`,
    ...(inPath && { secrets: [accessToken] }), // HubSpot: the token is in the path; the audit log must not keep it
  });
  const body = res.json<unknown>();
  // Slack answers HTTP 200 `{ok: false, error}`.
  if (typeof body !== 'object' || body === null || (body as Raw).ok === false) {
    throw new HubError('provider_error', `${entry.name}'s profile endpoint answered no profile${(body as Raw | null)?.error ? `: ${String((body as Raw).error)}` : ''}`, { provider: entry.id });
  }
  return body as Raw;
}

/**
 * The raw profile of a provider without id_token: its userinfo, and for GitHub the addresses of
 * `/user/emails` as `emails` (the entry's `profile()` picks the verified primary one).
 *
 * @example
 * githubProfile(await userinfoProfile(app.http, app.entry, accessToken)).email // the verified primary address
 */
export async function userinfoProfile(http: ProviderHttp, entry: OAuthProviderEntry, accessToken: string): Promise<Raw> {
  const url = entry.endpoints.userinfoUrl;
  if (!url) throw new HubError('config_invalid', `${entry.id}: the catalog entry has neither an id_token nor a userinfo URL to sign users in with`);
  const raw = await fetchProfile(http, entry, url, accessToken);
  if (entry.endpoints.emailsUrl) raw.emails = await fetchProfile(http, entry, entry.endpoints.emailsUrl, accessToken);
  return raw;
}

/**
 * Details a provider sends once, kept sealed per provider and subject (table `identities`):
 * Apple sends the user's name on the first authorization only, never again.
 *
 * @example
 * await details.remember('apple', sub, { user: { name: { firstName: 'Ada', lastName: 'Lovelace' } } });
 * (await details.recall('apple', sub))?.user // the same, on every later sign-in
 * @see https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple
 */
export class IdentityDetails {
  constructor(private readonly o: { store: Store; vault: Vault; clock: Clock }) {}

  async remember(provider: string, subject: string, details: Raw): Promise<void> {
    const id = idOf(provider, subject);
    const now = this.o.clock.now();
    const sealed = this.o.vault.seal(details, `identity:${id}`);
    await this.o.store.write((trx) =>
      trx
        .insertInto('identities')
        .values({ id, provider, details: sealed, key_id: this.o.vault.currentKid, created_at: now, updated_at: now })
        .onConflict((c) => c.column('id').doUpdateSet({ details: sealed, key_id: this.o.vault.currentKid, updated_at: now }))
        .execute(),
    );
  }

  async recall(provider: string, subject: string): Promise<Raw | undefined> {
    const id = idOf(provider, subject);
    const row = await this.o.store.db.selectFrom('identities').select('details').where('id', '=', id).executeTakeFirst();
    return row ? this.o.vault.open<Raw>(row.details, `identity:${id}`) : undefined;
  }
}

const idOf = (provider: string, subject: string) => createHash('sha256').update(`${provider}\n${subject}`).digest('hex');
