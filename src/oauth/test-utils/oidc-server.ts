/**
 * A real, OpenID-certified authorization server for tests: `oidc-provider` on a loopback port,
 * with one confidential client, PKCE, refresh tokens rotated on every use, and a way to issue an
 * authorization code as the consent page would (the token endpoint then checks it for real).
 *
 * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcServer {
  issuer: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Token endpoint requests received. */
  tokenRequests: number;
  /** An authorization code for `accountId`, bound to the PKCE challenge, as an approved consent issues it. */
  issueCode(input: { accountId: string; codeChallenge: string; scope?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the server on port 0.
 *
 * @example
 * const op = await startOidcServer(); const code = await op.issueCode({ accountId: 'alice', codeChallenge });
 */
export async function startOidcServer(): Promise<OidcServer> {
  const ref: { provider?: Provider } = {};
  const handle = { tokenRequests: 0 } as OidcServer;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) handle.tokenRequests++;
    void ref.provider!.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = { client_id: 'switchboard-test', client_secret: 'a-long-enough-client-secret-for-hs256', redirect_uris: ['http://127.0.0.1/oauth/callback'] };
  const p = new Provider(issuer, {
    clients: [{ ...client, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: { revocation: { enabled: true }, devInteractions: { enabled: false } },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: () => true,
    rotateRefreshToken: () => true,
    ttl: { AccessToken: 3600, AuthorizationCode: 60, RefreshToken: 86_400, Grant: 86_400, IdToken: 3600, Session: 86_400, Interaction: 600 },
  });
  ref.provider = p;
  Object.assign(handle, {
    issuer,
    tokenUrl: `${issuer}/token`,
    revokeUrl: `${issuer}/token/revocation`,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    redirectUri: client.redirect_uris[0],
    async issueCode({ accountId, codeChallenge, scope = 'openid offline_access' }: { accountId: string; codeChallenge: string; scope?: string }) {
      const grant = new p.Grant({ accountId, clientId: client.client_id });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const code = new p.AuthorizationCode({
        accountId,
        grantId,
        client: await p.Client.find(client.client_id),
        redirectUri: client.redirect_uris[0],
        scope,
        codeChallenge,
        codeChallengeMethod: 'S256',
        authTime: Math.floor(Date.now() / 1000),
      } as never);
      return code.save();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return handle;
}
