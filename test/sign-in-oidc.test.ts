/**
 * Sign-in with the generic `oidc` provider over HTTP, on hubs that are not sandboxed
 * (`OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` set): a full sign-in with `oidc-provider`
 * (OpenID-certified: discovery, login and consent, PKCE, id_token, userinfo), and forged id_tokens
 * from a provider the test controls, each sent back to the application as `invalid_id_token`
 * with what failed, never a 500.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { ALICE, startForgingOp, startRealOp, type ForgingOp, type Forgery, type RealOp } from './helpers/oidc-sign-in-servers.js';

const APP = 'http://localhost:3000';

async function hubFor(op: { issuer: string; clientId: string; clientSecret: string }): Promise<{ hub: Hub; url: string; key: string }> {
  const hub = await createHub({
    env: {
      NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-signin-oidc-')), SWITCHBOARD_AUTH_REDIRECTS: APP,
      OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: op.clientId, OIDC_CLIENT_SECRET: op.clientSecret,
    },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const key = (await hub.apiKeys.create({ name: 'signin', scopes: ['identity:exchange'] })).key;
  return { hub, url, key };
}

/** Follow redirects by hand, keeping the cookies each origin sets (the OP's session and interaction). */
async function follow(start: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, Map<string, string>>();
  let target = start;
  for (let i = 0; i < 20; i++) {
    const origin = new URL(target).origin;
    const cookies = jar.get(origin) ?? new Map<string, string>();
    const res = await fetch(target, { redirect: 'manual', headers: cookies.size > 0 ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    jar.set(origin, cookies);
    const location = res.headers.get('location');
    if (!location) throw new Error(`${target} answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer().catch(() => undefined);
    target = new URL(location, target).toString();
    if (target.startsWith(stopAt)) return new URL(target);
  }
  throw new Error('too many redirects');
}

const exchange = async (url: string, key: string, code: string) => {
  const res = await fetch(`${url}/api/v1/identity/exchange`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('sign-in with oidc-provider as the generic oidc provider', () => {
  let op: RealOp;
  let hub: Hub;
  let url: string;
  let key: string;
  beforeAll(async () => {
    op = await startRealOp();
    ({ hub, url, key } = await hubFor(op));
    op.start(`${url}/auth/oidc/callback`);
  });
  afterAll(async () => {
    await hub?.close();
    await op?.close();
  });

  it('logs in through discovery, login and consent, verifies the id_token, and the code exchanges for the profile once', async () => {
    const back = await follow(`${url}/auth/oidc/login?redirect=${encodeURIComponent(`${APP}/done`)}`, APP);
    expect(back.searchParams.get('error_description')).toBeNull();
    const code = back.searchParams.get('code')!;
    const first = await exchange(url, key, code);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ provider: 'oidc', subject: 'alice', email: ALICE.email, emailVerified: true, name: ALICE.name, picture: ALICE.picture });
    expect(first.body.raw).toMatchObject({ iss: op.issuer, aud: op.clientId, nonce: expect.any(String) });
    expect((await exchange(url, key, code)).status).toBe(409);
  });
});

describe('forged id_tokens', () => {
  let op: ForgingOp;
  let hub: Hub;
  let url: string;
  let key: string;
  beforeAll(async () => {
    op = await startForgingOp();
    ({ hub, url, key } = await hubFor(op));
  });
  afterAll(async () => {
    await hub?.close();
    await op?.close();
  });
  const signIn = async (forgery: Forgery) => {
    op.forgery = forgery;
    return follow(`${url}/auth/oidc/login?redirect=${encodeURIComponent(APP)}`, APP);
  };

  it('an honest token signs the user in', async () => {
    const back = await signIn('none');
    expect((await exchange(url, key, back.searchParams.get('code')!)).body).toMatchObject({ subject: 'alice', email: ALICE.email });
  });

  it.each([
    ['other-key', /signature/],
    ['wrong-aud', /audience/],
    ['wrong-iss', /issuer/],
    ['wrong-nonce', /nonce/],
    ['expired', /expired/],
  ] as const)('%s is refused with the reason, back at the application', async (forgery, why) => {
    const back = await signIn(forgery);
    expect(back.origin).toBe(APP);
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toBe('invalid_id_token');
    expect(back.searchParams.get('error_description')).toMatch(why);
  });
});
