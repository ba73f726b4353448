/**
 * Two OpenID providers for sign-in tests, on loopback ports:
 *
 * - `oidc-provider` (OpenID-certified) with a real authorization endpoint, whose login and consent
 *   interactions are answered at once for one account (the documented `interactionDetails` /
 *   `interactionFinished` pair), so a test follows the redirects with a cookie jar;
 * - a small provider that signs whatever id_token the test asks for (another key, wrong audience,
 *   issuer or nonce, expired), served through a real discovery document, token endpoint and JWKS.
 *
 * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#interactions
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import Provider from 'oidc-provider';

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const closer = (server: Server) => () =>
  new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

export const ALICE = { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', picture: 'https://example.com/alice.png' };

export interface RealOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Configure the client's redirect URI (the hub's callback) and start answering. */
  start(redirectUri: string): void;
  close(): Promise<void>;
}

/** `oidc-provider` listening before its client is known (the hub's port decides the redirect URI). */
export async function startRealOp(): Promise<RealOp> {
  let provider: Provider | undefined;
  const server = createServer((req, res) => {
    if (!provider) return void res.writeHead(503).end();
    if (req.url?.startsWith('/interaction/')) return void interact(provider, req, res).catch((e: Error) => res.writeHead(500).end(e.message));
    void provider.callback()(req, res);
  });
  const issuer = await listen(server);
  const client = { client_id: 'switchboard-signin', client_secret: 'a-long-enough-client-secret-for-hs256-signing' };
  return {
    issuer,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    start(redirectUri) {
      provider = new Provider(issuer, {
        clients: [{ ...client, redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
        findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ ...ALICE, sub }) }),
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
        cookies: { keys: ['sign-in-test-cookie-key'] },
        ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86_400, Grant: 86_400 },
      });
    },
    close: closer(server),
  };
}

/** Log Alice in, then consent to what the client asked for. */
async function interact(p: Provider, req: IncomingMessage, res: Parameters<Provider['interactionFinished']>[1]): Promise<void> {
  const details = await p.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await p.interactionFinished(req, res, { login: { accountId: ALICE.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new p.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  await p.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

export type Forgery = 'none' | 'other-key' | 'wrong-aud' | 'wrong-iss' | 'wrong-nonce' | 'expired';

export interface ForgingOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** How the next id_tokens are made. */
  forgery: Forgery;
  close(): Promise<void>;
}

/** A provider whose token endpoint answers id_tokens forged as `forgery` says. */
export async function startForgingOp(): Promise<ForgingOp> {
  const good = await generateKeyPair('RS256');
  const evil = await generateKeyPair('RS256');
  const jwks: { keys: JWK[] } = { keys: [{ ...(await exportJWK(good.publicKey)), kid: 'good', alg: 'RS256', use: 'sig' }] };
  const nonces = new Map<string, string>();
  let issuer = '';
  const op: ForgingOp = { issuer, clientId: 'forge-client', clientSecret: 'forge-secret', forgery: 'none', close: async () => {} };
  const sign = (nonce: string) => {
    const f = op.forgery;
    const now = Math.floor(Date.now() / 1000);
    const key: CryptoKey = f === 'other-key' ? evil.privateKey : good.privateKey;
    return new SignJWT({ nonce: f === 'wrong-nonce' ? 'not-the-nonce' : nonce, ...ALICE })
      .setProtectedHeader({ alg: 'RS256', kid: 'good' })
      .setIssuer(f === 'wrong-iss' ? 'https://evil.example.com' : issuer)
      .setAudience(f === 'wrong-aud' ? 'another-client' : op.clientId)
      .setSubject(ALICE.sub)
      .setIssuedAt(now - 3600)
      .setExpirationTime(f === 'expired' ? now - 600 : now + 600)
      .sign(key);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (url.pathname === '/jwks') return json(jwks);
    if (url.pathname === '/authorize') {
      const code = `code-${nonces.size + 1}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state')!);
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const code = new URLSearchParams(body).get('code') ?? '';
        if (!nonces.has(code)) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        void sign(nonces.get(code)!).then((idToken) => json({ access_token: `at-${code}`, token_type: 'Bearer', expires_in: 3600, id_token: idToken }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  issuer = await listen(server);
  return Object.assign(op, { issuer, close: closer(server) });
}
