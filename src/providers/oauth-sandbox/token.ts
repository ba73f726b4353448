/**
 * `POST /<provider>/token`: the grants of the catalog entry (authorization code with one-time,
 * short-lived codes and PKCE; refresh with the provider's own rotation; client credentials;
 * Zoom's `account_credentials`), client authentication as the entry says, answers and errors in
 * the vendor's shape, token-request counters and chaos (latency, 5xx/429, `invalid_grant`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://developers.zoom.us/docs/internal-apps/s2s-oauth/
 */
import type { FastifyInstance } from 'fastify';
import { isPkceVerifier, pkceChallenge } from '../../oauth/pkce.js';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import { issuerFor, tenantIdFor, type SandboxContext } from './context.js';
import { idTokenClaims } from './oidc.js';
import type { TokenRecord } from './state.js';
import { authenticateClient, OAuthFailure, sendTokenError, sendTokens } from './wire.js';

type Form = Record<string, string | undefined>;
type Answer = Record<string, unknown>;

const badCode = (why: string) => new OAuthFailure('invalid_grant', why, { github: 'bad_verification_code', slack: 'invalid_code' });
const badRefresh = (why: string) => new OAuthFailure('invalid_grant', why, { github: 'bad_refresh_token', slack: 'invalid_refresh_token' });

/** Register the token endpoint of `entry` at `path`. */
export function registerToken(app: FastifyInstance, ctx: SandboxContext, entry: OAuthProviderEntry, path: string): void {
  app.post(path, async (req, reply) => {
    const form = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Form;
    const grant = form.grant_type ?? '';
    const { state } = ctx;
    state.count(entry.id, grant);
    if (state.chaos.tokenLatencyMs > 0) await new Promise((r) => setTimeout(r, state.chaos.tokenLatencyMs));
    if (state.chaos.failNext > 0) {
      state.chaos.failNext--;
      const status = state.chaos.failStatus;
      if (status !== 500) reply.header('retry-after', String(state.chaos.retryAfterSec));
      return reply.code(status).send({ error: 'temporarily_unavailable', error_description: `sandbox chaos: ${status}` });
    }
    try {
      if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
        throw new OAuthFailure('invalid_request', 'the token request must be application/x-www-form-urlencoded (RFC 6749 §4.1.3)');
      }
      const tenant = (req.params as { tenant?: string }).tenant;
      if (tenant !== undefined && entry.tenant && !new RegExp(entry.tenant.pattern).test(tenant)) throw new OAuthFailure('invalid_request', `tenant "${tenant}" not found`);
      const client = ctx.clients.get(entry.id);
      if (!client) throw new OAuthFailure('invalid_client', 'no client registered');
      await authenticateClient(entry, req, form as Record<string, string>, client, ctx.apple);
      if (!(entry.grants as string[]).includes(grant)) {
        throw new OAuthFailure('unsupported_grant_type', `${entry.name} does not support grant_type "${grant}"`, { slack: 'invalid_grant_type' });
      }
      const answer =
        grant === 'authorization_code' ? await exchangeCode(ctx, entry, form, client.clientId)
        : grant === 'refresh_token' ? await refresh(ctx, entry, form, client.clientId)
        : await clientGrant(ctx, entry, form, client.clientId, grant, tenant);
      ctx.accepted.push({ provider: entry.id, grant, at: Date.now() });
      return sendTokens(reply, req, entry, answer);
    } catch (e) {
      if (e instanceof OAuthFailure) return sendTokenError(reply, req, entry, e);
      throw e;
    }
  });
}

async function exchangeCode(ctx: SandboxContext, entry: OAuthProviderEntry, form: Form, clientId: string): Promise<Answer> {
  const code = ctx.state.codes.get(form.code ?? '');
  if (!code || code.provider !== entry.id || code.clientId !== clientId) throw badCode('unknown authorization code');
  if (code.used) {
    // RFC 6749 §4.1.2: a code used twice is refused and what was issued from it revoked.
    ctx.state.revokeGrant(code.grantId);
    throw new OAuthFailure('invalid_grant', 'authorization code already used; the tokens issued from it are revoked', { github: 'bad_verification_code', slack: 'code_already_used' });
  }
  code.used = true;
  if (code.expiresAt <= ctx.state.settings.now()) throw badCode('authorization code expired');
  if (form.redirect_uri !== code.redirectUri) {
    throw new OAuthFailure('invalid_grant', 'redirect_uri does not match the authorization request', { github: 'redirect_uri_mismatch', slack: 'bad_redirect_uri' });
  }
  if (code.codeChallenge !== undefined) {
    const verifier = form.code_verifier ?? '';
    if (!isPkceVerifier(verifier) || pkceChallenge(verifier) !== code.codeChallenge) throw badCode('PKCE verification failed: code_verifier does not match code_challenge');
  }
  const record = { provider: entry.id, tenant: code.tenant, clientId: code.clientId, user: code.user, scopes: code.scopes, grantId: code.grantId, nonce: code.nonce };
  const withRefresh = refreshIssued(entry, code.scopes, code.params);
  return issue(ctx, entry, record, { refresh: withRefresh, idToken: true, userScope: code.params.user_scope });
}

async function refresh(ctx: SandboxContext, entry: OAuthProviderEntry, form: Form, clientId: string): Promise<Answer> {
  const old = ctx.state.liveRefresh(form.refresh_token ?? '');
  if (!old || old.provider !== entry.id || old.clientId !== clientId) throw badRefresh('refresh token is invalid, expired or revoked');
  if (ctx.state.takeInvalidGrant(entry.id)) {
    old.revoked = true;
    throw badRefresh('sandbox chaos: the user revoked access (invalid_grant)');
  }
  const requested = (form.scope ?? '').split(/[\s,]+/).filter(Boolean);
  const extra = requested.find((s) => !old.scopes.includes(s));
  if (extra !== undefined) throw new OAuthFailure('invalid_scope', `scope "${extra}" was not granted`);
  const rotation = entry.refreshRotation ?? 'never';
  if (rotation === 'always') old.revoked = true;
  const record = { ...old, scopes: requested.length > 0 ? requested : old.scopes, nonce: undefined };
  return issue(ctx, entry, record, { refresh: rotation !== 'never', idToken: true });
}

/** client_credentials and Zoom's account_credentials: an app token, no user, no refresh token. */
async function clientGrant(ctx: SandboxContext, entry: OAuthProviderEntry, form: Form, clientId: string, grant: string, tenant: string | undefined): Promise<Answer> {
  if (grant === 'account_credentials' && form.account_id !== ctx.zoomAccountId) throw new OAuthFailure('invalid_request', 'Invalid account_id');
  const scopes = grant === 'account_credentials' ? ['user:read:admin', 'meeting:write:admin'] : (form.scope ?? '').split(/[\s,]+/).filter(Boolean);
  const record = { provider: entry.id, tenant, clientId, scopes, grantId: `app-${clientId}` };
  return issue(ctx, entry, record, { refresh: false, idToken: false });
}

/** Google needs `access_type=offline`, Microsoft and generic OIDC `offline_access`, Salesforce the `refresh_token` scope. */
function refreshIssued(entry: OAuthProviderEntry, scopes: string[], params: Record<string, string>): boolean {
  if (!entry.grants.includes('refresh_token')) return false;
  if (entry.id === 'google') return params.access_type === 'offline';
  if (entry.id === 'microsoft' || entry.id === 'oidc') return scopes.includes('offline_access');
  if (entry.id === 'salesforce') return scopes.includes('refresh_token') || scopes.includes('offline_access');
  return true;
}

const TOKEN_PREFIX: Record<string, [string, string]> = { github: ['ghu_', 'ghr_'], slack: ['xoxb-', 'xoxe-1-'], google: ['ya29.', '1//'], microsoft: ['EwB', 'M.C5'] };

/** Issue the tokens of one answer and shape it as the vendor does. */
async function issue(
  ctx: SandboxContext,
  entry: OAuthProviderEntry,
  record: Omit<TokenRecord, 'expiresAt' | 'revoked'>,
  o: { refresh: boolean; idToken: boolean; userScope?: string },
): Promise<Answer> {
  const [atPrefix, rtPrefix] = TOKEN_PREFIX[entry.id] ?? ['sbx_at_', 'sbx_rt_'];
  const access = ctx.state.issueAccess(record, atPrefix);
  const refreshToken = o.refresh ? ctx.state.issueRefresh(record, rtPrefix) : undefined;
  const sep = entry.id === 'github' || entry.id === 'slack' ? ',' : ' ';
  const lower = ['github', 'zoom', 'hubspot'].includes(entry.id);
  const answer: Answer = {
    access_token: access.token,
    token_type: lower ? 'bearer' : 'Bearer',
    ...(entry.tokenResponse?.expiresIn !== false && { expires_in: access.expiresIn }),
    ...(refreshToken !== undefined && { refresh_token: refreshToken }),
    scope: record.scopes.join(sep),
  };
  const wantsIdToken = o.idToken && record.user && entry.kind === 'oidc' && (record.scopes.includes('openid') || entry.id === 'apple');
  if (wantsIdToken && record.user) {
    const issuer = issuerFor(ctx, entry, record.tenant);
    const claims = idTokenClaims(entry, record.user, { ...(record.nonce !== undefined && { nonce: record.nonce }), tenantId: tenantIdFor(entry, record.tenant) });
    answer.id_token = await ctx.signer.sign(claims, { issuer, audience: record.clientId, subject: record.user.subject, lifetimeSec: 3600 });
  }
  return vendorShape(ctx, entry, answer, record, o.userScope);
}

function vendorShape(ctx: SandboxContext, entry: OAuthProviderEntry, a: Answer, record: Omit<TokenRecord, 'expiresAt' | 'revoked'>, userScope?: string): Answer {
  switch (entry.id) {
    case 'github':
      return a.refresh_token ? { ...a, refresh_token_expires_in: 15_897_600 } : a;
    case 'slack': {
      const user = record.user && userScope ? ctx.state.issueAccess(record, 'xoxp-').token : undefined;
      const authed = record.user ? { id: record.user.subject, ...(user && { scope: userScope, access_token: user, token_type: 'user' }) } : undefined;
      return { ...a, token_type: 'bot', bot_user_id: 'U0SANDBOXBOT', app_id: 'A0SANDBOX', team: { id: 'T0SANDBOX', name: 'Sandbox' }, enterprise: null, is_enterprise_install: false, ...(authed && { authed_user: authed }) };
    }
    case 'salesforce':
      return { ...a, instance_url: `${ctx.url}/salesforce/api`, id: `${ctx.url}/salesforce/id/00DSANDBOX/${record.user?.subject ?? 'app'}`, issued_at: String(Date.now()), signature: 'c2FuZGJveA==' };
    case 'zoom':
      return { ...a, api_url: `${ctx.url}/zoom/api` };
    case 'microsoft':
      return { ...a, ext_expires_in: a.expires_in };
    default:
      return a;
  }
}
