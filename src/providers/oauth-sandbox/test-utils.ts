/**
 * A small OAuth client for the sandbox's tests, written from RFC 6749 and the vendors' docs rather
 * than from the emulator: builds authorize URLs, walks the consent page as a browser would, and
 * makes token requests with the client authentication the catalog names.
 */
import { pkcePair } from '../../oauth/pkce.js';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import type { OAuthEmulator } from './index.js';

export const REDIRECT = 'http://127.0.0.1:9/callback?app=1';

export interface AuthorizeOptions {
  scopes?: string[];
  state?: string;
  nonce?: string;
  redirectUri?: string;
  /** PKCE pair to send (default: a fresh one when the entry supports PKCE; `null`: none). */
  pkce?: { verifier: string; challenge: string } | null;
  params?: Record<string, string>;
  clientId?: string;
  /** Path of the authorize URL with `{tenant}` filled. */
  tenant?: string;
}

export function authorizeUrl(emu: OAuthEmulator, entry: OAuthProviderEntry, o: AuthorizeOptions = {}): { url: string; verifier?: string } {
  const url = new URL(entry.endpoints.authorizeUrl!.replace('{tenant}', o.tenant ?? 'common'));
  const pkce = o.pkce === undefined ? (entry.pkce ? pkcePair() : undefined) : (o.pkce ?? undefined);
  const q = url.searchParams;
  q.set('client_id', o.clientId ?? emu.clients.get(entry.id)!.clientId);
  q.set('redirect_uri', o.redirectUri ?? REDIRECT);
  q.set('response_type', 'code');
  q.set('scope', (o.scopes ?? entry.scopes.default).join(entry.scopes.separator));
  q.set('state', o.state ?? 'st-123');
  if (o.nonce) q.set('nonce', o.nonce);
  if (pkce) {
    q.set('code_challenge', pkce.challenge);
    q.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries({ ...entry.authorizeParams, ...o.params })) q.set(k, v);
  return { url: url.toString(), ...(pkce && { verifier: pkce.verifier }) };
}

/** GET the authorize URL, then press Approve (or Deny) on the consent page; answers the final redirect's URL. */
export async function consent(url: string, decision: 'approve' | 'deny' = 'approve', user = 0): Promise<URL> {
  const page = await fetch(url, { redirect: 'manual' });
  if (page.status === 302) return new URL(page.headers.get('location')!);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${html}`);
  const form = new RegExp(`<form method="post" action="([^"]+)" id="${decision}"><input type="hidden" name="request" value="([^"]+)">`).exec(html);
  if (!form) throw new Error(`no ${decision} form on the consent page`);
  const action = new URL(form[1]!.replace(/&amp;/g, '&'), url);
  const res = await fetch(action, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ request: form[2]!, decision, user: String(user) }) });
  if (res.status !== 302) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** POST to the token endpoint, authenticating as the entry says unless `auth` overrides it. */
export async function tokenRequest(
  emu: OAuthEmulator,
  entry: OAuthProviderEntry,
  form: Record<string, string>,
  o: { auth?: 'basic' | 'post' | 'none'; secret?: string; accept?: string; tenant?: string } = {},
): Promise<Response> {
  const client = emu.clients.get(entry.id)!;
  const auth = o.auth ?? (entry.clientAuth === 'client_secret_basic' ? 'basic' : 'post');
  const body = new URLSearchParams(form);
  const headers: Record<string, string> = { accept: o.accept ?? 'application/json' };
  if (auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(o.secret ?? client.clientSecret)}`).toString('base64')}`;
  if (auth === 'post') {
    body.set('client_id', client.clientId);
    body.set('client_secret', o.secret ?? client.clientSecret);
  }
  return fetch(entry.endpoints.tokenUrl!.replace('{tenant}', o.tenant ?? 'common'), { method: 'POST', headers, body });
}

/** Authorize (auto consent), then exchange the code: the token answer as JSON. */
export async function codeFlow(emu: OAuthEmulator, id: string, o: AuthorizeOptions = {}): Promise<Record<string, unknown>> {
  const entry = emu.entry(id);
  const { url, verifier } = authorizeUrl(emu, entry, o);
  const back = await consent(url);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back}`);
  const res = await tokenRequest(emu, entry, { grant_type: 'authorization_code', code, redirect_uri: o.redirectUri ?? REDIRECT, ...(verifier && { code_verifier: verifier }) }, { tenant: o.tenant });
  return (await res.json()) as Record<string, unknown>;
}
