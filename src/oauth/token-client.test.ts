/**
 * The token client against a real authorization server (`oidc-provider`, OpenID-certified): code
 * exchange with PKCE, refresh with rotation, revocation; and against a scripted local server for
 * the deviations and error classes (GitHub, Slack, invalid_client, 5xx, 429 + Retry-After).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { Transport } from '../transport/transport.js';
import { acmeConnection, acmeManifest, rejection, startServer, type TestServer } from '../transport/test-utils/server.js';
import type { AuditEntry } from '../transport/types.js';
import { accountCredentials, clientCredentials, exchangeCode, refreshTokens, revokeToken, type TokenEndpoint } from './token-client.js';
import { startOidcServer, type OidcServer } from './test-utils/oidc-server.js';

const b64url = (b: Buffer) => b.toString('base64url');

describe('token client against oidc-provider', () => {
  let op: OidcServer;
  const audit: AuditEntry[] = [];
  let endpoint: TokenEndpoint;
  const http = () => new Transport({ audit: (e) => audit.push(e) }).forConnection(acmeManifest({ id: 'oidc', name: 'Test OP' }), acmeConnection(op.issuer));

  beforeAll(async () => {
    op = await startOidcServer();
    endpoint = { provider: 'oidc', name: 'Test OP', url: op.tokenUrl, revokeUrl: op.revokeUrl, clientId: op.clientId, clientSecret: op.clientSecret, clientAuth: 'client_secret_basic', env: { clientId: 'OIDC_CLIENT_ID', clientSecret: 'OIDC_CLIENT_SECRET' } };
  });
  afterAll(() => op.close());

  it('exchanges a code with its PKCE verifier, then refreshes with rotation; the spent refresh token is invalid_grant', async () => {
    const verifier = b64url(randomBytes(32));
    const code = await op.issueCode({ accountId: 'alice', codeChallenge: b64url(createHash('sha256').update(verifier).digest()) });
    const t0 = Date.now();
    const first = await exchangeCode(http(), endpoint, { code, redirectUri: op.redirectUri, codeVerifier: verifier });
    expect(first).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', scopes: ['openid', 'offline_access'] });
    expect(first.expiresAt).toBeGreaterThanOrEqual(t0 + 3_599_000);
    expect(first.extra?.id_token).toEqual(expect.any(String));
    expect(audit.at(-1)).toMatchObject({ operation: 'oidc.token', method: 'POST', status: 200 });

    const second = await refreshTokens(http(), endpoint, { refreshToken: first.refreshToken! });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toEqual(expect.any(String));
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const spent = await rejection(refreshTokens(http(), endpoint, { refreshToken: first.refreshToken! }));
    expect(spent).toMatchObject({ code: 'oauth_invalid_grant', providerCode: 'invalid_grant', providerStatus: 400, retryable: false });
    expect(spent.message).toMatch(/connect again/);
  });

  it('refuses a code exchange without the right verifier (invalid_grant) and a wrong secret naming the variable', async () => {
    const code = await op.issueCode({ accountId: 'bob', codeChallenge: b64url(createHash('sha256').update('right-verifier-right-verifier-right-verifier').digest()) });
    const wrongVerifier = await rejection(exchangeCode(http(), endpoint, { code, redirectUri: op.redirectUri, codeVerifier: 'x'.repeat(43) }));
    expect(wrongVerifier.code).toBe('oauth_invalid_grant');
    const wrongSecret = await rejection(refreshTokens(http(), { ...endpoint, clientSecret: 'not-the-secret' }, { refreshToken: 'whatever' }));
    expect(wrongSecret).toMatchObject({ code: 'provider_auth_failed', providerCode: 'invalid_client', details: { env: ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] } });
    expect(wrongSecret.message).toMatch(/check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
  });

  it('revokes a refresh token (RFC 7009): it no longer refreshes', async () => {
    const verifier = b64url(randomBytes(32));
    const code = await op.issueCode({ accountId: 'carol', codeChallenge: b64url(createHash('sha256').update(verifier).digest()) });
    const tokens = await exchangeCode(http(), endpoint, { code, redirectUri: op.redirectUri, codeVerifier: verifier });
    await revokeToken(http(), endpoint, { token: tokens.refreshToken!, tokenTypeHint: 'refresh_token' });
    expect((await rejection(refreshTokens(http(), endpoint, { refreshToken: tokens.refreshToken! }))).code).toBe('oauth_invalid_grant');
  });
});

describe('token client against a scripted token server', () => {
  let server: TestServer;
  const clock = fakeClock(1_000_000);
  const http = () => new Transport({ clock, random: () => 0.5 }).forConnection(acmeManifest(), acmeConnection(server.url));
  const ep = (over: Partial<TokenEndpoint> = {}): TokenEndpoint => ({ provider: 'acme', name: 'Acme', url: `${server.url}/oauth/token`, clientId: 'cid', clientSecret: 's3cret', clientAuth: 'client_secret_post', env: { clientSecret: 'ACME_CLIENT_SECRET' }, ...over });
  const form = (i = 0) => Object.fromEntries(new URLSearchParams(server.hits[i]!.body));

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  it('sends client credentials in the form (client_secret_post) and the requested scopes stand when the answer has none', async () => {
    server.reply({ status: 200, body: JSON.stringify({ access_token: 'at1', expires_in: 3600, token_type: 'bearer' }) });
    const tokens = await clientCredentials(http(), ep({ extraParams: { audience: 'api' } }), { scopes: ['read', 'write'] }, { now: clock.now });
    expect(form()).toEqual({ grant_type: 'client_credentials', audience: 'api', scope: 'read write', client_id: 'cid', client_secret: 's3cret' });
    expect(server.hits[0]!.headers.accept).toBe('application/json');
    expect(tokens).toEqual({ accessToken: 'at1', expiresAt: 1_000_000 + 3_600_000, scopes: ['read', 'write'], tokenType: 'bearer', obtainedAt: 1_000_000 });
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('makes a client secret per request (Apple’s JWT) and sends Zoom’s account_credentials with Basic', async () => {
    let made = 0;
    const secret = async () => `jwt-${++made}`;
    server.reply({ status: 200, body: '{"access_token":"z1","expires_in":3599}' }, { status: 200, body: '{"access_token":"z2","expires_in":3599}' });
    await accountCredentials(http(), ep({ clientAuth: 'client_secret_basic', clientSecret: secret }), { accountId: 'acc_1' });
    await accountCredentials(http(), ep({ clientAuth: 'client_secret_basic', clientSecret: secret }), { accountId: 'acc_1' });
    expect(form()).toEqual({ grant_type: 'account_credentials', account_id: 'acc_1' });
    expect(server.hits.map((h) => h.headers.authorization)).toEqual([`Basic ${Buffer.from('cid:jwt-1').toString('base64')}`, `Basic ${Buffer.from('cid:jwt-2').toString('base64')}`]);
  });

  it('reads GitHub’s form-encoded answer and its HTTP 200 errors', async () => {
    server.reply(
      { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=gho_1&scope=repo%2Cuser&token_type=bearer' },
      { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.' },
    );
    const github = ep({ answer: { format: 'form_unless_accept_json', errors: 'http200_error' } });
    expect(await exchangeCode(http(), github, { code: 'c', redirectUri: 'https://hub/cb' })).toMatchObject({ accessToken: 'gho_1', scopes: ['repo', 'user'] });
    const err = await rejection(exchangeCode(http(), github, { code: 'c', redirectUri: 'https://hub/cb' }));
    expect(err).toMatchObject({ code: 'oauth_invalid_grant', providerCode: 'bad_verification_code' });
    expect(err.message).toMatch(/The code passed is incorrect or expired/);
  });

  it('reads Slack’s {ok:false} as an error and its user token under authed_user', async () => {
    const slack = ep({ answer: { errors: 'slack_ok', userTokenUnder: 'authed_user' } });
    server.reply(
      { status: 200, body: JSON.stringify({ ok: true, access_token: 'xoxb-bot', authed_user: { access_token: 'xoxp-user', refresh_token: 'xoxe-1', expires_in: 43200, scope: 'chat:write' } }) },
      { status: 200, body: '{"ok":false,"error":"invalid_refresh_token"}' },
    );
    expect(await refreshTokens(http(), slack, { refreshToken: 'xoxe-0' })).toMatchObject({ accessToken: 'xoxp-user', refreshToken: 'xoxe-1', scopes: ['chat:write'] });
    expect(await rejection(refreshTokens(http(), slack, { refreshToken: 'xoxe-0' }))).toMatchObject({ code: 'oauth_invalid_grant', providerCode: 'invalid_refresh_token' });
  });

  it('classifies errors: 5xx retryable, other codes provider_error with the description, a missing secret before sending', async () => {
    server.reply({ status: 503, body: '{"error":"temporarily_unavailable"}' }, { status: 400, body: '{"error":"invalid_scope","error_description":"scope \\"admin\\" is not allowed"}' });
    expect(await rejection(refreshTokens(http(), ep(), { refreshToken: 'r' }))).toMatchObject({ code: 'provider_unavailable', retryable: true, providerStatus: 503 });
    const scope = await rejection(refreshTokens(http(), ep(), { refreshToken: 'r' }));
    expect(scope).toMatchObject({ code: 'provider_error', providerCode: 'invalid_scope', retryable: false });
    expect(scope.message).toMatch(/scope "admin" is not allowed/);
    const missing = await rejection(refreshTokens(http(), ep({ clientSecret: '' }), { refreshToken: 'r' }));
    expect(missing).toMatchObject({ code: 'config_invalid' });
    expect(missing.message).toMatch(/set ACME_CLIENT_SECRET/);
    expect(server.hits).toHaveLength(2);
  });

  it('honours Retry-After on a 429 through the transport, then succeeds', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '3' }, body: '{"error":"slow_down"}' }, { status: 200, body: '{"access_token":"ok"}' });
    const before = clock.sleeps.length;
    expect((await clientCredentials(http(), ep())).accessToken).toBe('ok');
    expect(clock.sleeps.slice(before)).toEqual([3000]);
    expect(server.hits).toHaveLength(2);
  });

  it('revokes with token and hint; a 503 is retryable', async () => {
    server.reply({ status: 200, body: '' }, { status: 503, body: '' });
    await revokeToken(http(), ep({ revokeUrl: `${server.url}/oauth/revoke` }), { token: 'rt', tokenTypeHint: 'refresh_token' });
    expect(server.hits[0]!.url).toBe('/oauth/revoke');
    expect(form()).toMatchObject({ token: 'rt', token_type_hint: 'refresh_token', client_id: 'cid' });
    expect(await rejection(revokeToken(http(), ep({ revokeUrl: `${server.url}/oauth/revoke` }), { token: 'rt' }))).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });
});
