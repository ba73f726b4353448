/**
 * The proxy over HTTP on a sandboxed hub, with a GitHub connection made through the real connect
 * flow (the sandbox authorization server, auto-approve): methods, the connection's token and never
 * the caller's credentials, one refresh and one retry after a 401, multi-megabyte bodies streamed
 * both ways (beyond the hub's BODY_LIMIT_BYTES), the host guard against every escape form, another
 * tenant's connection, a `needs_reauth` connection, and the provider's own errors passed back.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import type { OAuthEmulator } from '../src/providers/oauth-sandbox/index.js';
import { patternByte } from '../src/providers/oauth-sandbox/api-echo.js';
import { sharedOAuthEmulator } from '../src/providers/oauth-sandbox/shared.js';

const APP = 'https://app.example.com';
const MB = 1024 * 1024;
let hub: Hub;
let url: string;
let admin: string;
let key: string;
let emulator: OAuthEmulator;
let release: () => Promise<void>;
let connectionId: string;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** ms from sending to the first body byte, and to the end. */
  firstByteMs: number;
  endMs: number;
}

/** A request with its path sent byte for byte (fetch would normalize `..` and `//`). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | AsyncIterable<Buffer>): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      let firstByteMs = -1;
      res.on('data', (c: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), firstByteMs, endMs: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined || Buffer.isBuffer(body)) return req.end(body);
    void (async () => {
      for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.end();
    })();
  });
}
const proxied = (path: string) => `/api/v1/proxy/${connectionId}${path}`;
const json = (r: Raw) => JSON.parse(r.body.toString()) as Record<string, unknown>;
const echo = (r: Raw) => json(r) as { method: string; path: string; query: string; headers: Record<string, string>; body: { bytes: number; sha256: string; text?: string } };
const token = async () => (await hub.connections.byId(connectionId))!.tokens!.accessToken;
const refreshes = () => emulator.tokenRequests().github?.refresh_token ?? 0;
function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = patternByte(i);
  return b;
}
async function* chunked(bytes: Buffer, size = 256 * 1024) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

async function connect(tenantKey: string, name: string): Promise<string> {
  const api = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tenantKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const started = (await (await api('/api/v1/connections/oauth/start', { provider: 'github', redirectUrl: APP, name })).json()) as { authorizeUrl: string };
  const consent = await fetch(started.authorizeUrl, { redirect: 'manual' });
  const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  return new URL(back.headers.get('location')!).searchParams.get('connectionId')!;
}

beforeAll(async () => {
  hub = await createHub({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-proxy-')), SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true', BODY_LIMIT_BYTES: String(MB) },
  });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  admin = (await hub.apiKeys.create({ name: 'admin', tenantId: 'acme' })).key;
  key = (await hub.apiKeys.create({ name: 'proxy', tenantId: 'acme', scopes: ['proxy:use'] })).key;
  ({ emulator, release } = await sharedOAuthEmulator({ autoApprove: true }));
  connectionId = await connect(admin, 'default');
});
afterAll(async () => {
  await hub?.close();
  await release?.();
});

describe('the proxy', () => {
  it('GET reaches the API with the connection token, the path and the repeated query; never the caller Authorization, cookies or hop-by-hop headers', async () => {
    const r = await raw('GET', proxied('/_sandbox/echo/repos/ada/engine?per_page=5&x=1&x=2'), { cookie: 'sid=secret', 'x-custom': 'kept', connection: 'x-hop', 'x-hop': 'dropped', 'x-forwarded-for': '10.0.0.1' });
    expect(r.status).toBe(200);
    const e = echo(r);
    expect(e).toMatchObject({ method: 'GET', path: '/github/api/_sandbox/echo/repos/ada/engine', query: 'per_page=5&x=1&x=2' });
    expect(e.headers.authorization).toBe(`Bearer ${await token()}`);
    expect(e.headers.authorization).not.toContain(key);
    expect(e.headers['x-custom']).toBe('kept');
    for (const h of ['cookie', 'x-hop', 'x-forwarded-for']) expect(e.headers[h]).toBeUndefined();
    expect(e.headers.host).toBe(new URL(emulator.url).host);
  });

  it('POST, PUT, PATCH and DELETE carry method and body; a vendor resource answers as the vendor does', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const body = JSON.stringify({ title: `${method} body`, n: 1 });
      const r = await raw(method, proxied('/_sandbox/echo/issues/1'), { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, Buffer.from(body));
      expect(r.status, method).toBe(200);
      expect(echo(r)).toMatchObject({ method, body: { text: body } });
      expect(echo(r).headers['content-type']).toBe('application/json');
    }
    const text = await raw('POST', proxied('/_sandbox/echo/markdown'), { 'content-type': 'text/plain' }, Buffer.from('# plain text passes'));
    expect(echo(text).body.text).toBe('# plain text passes');
    const user = await raw('GET', proxied('/user'));
    expect(user.status).toBe(200);
    expect(json(user).login).toBeTruthy();
  });

  it("a 429 with Retry-After is waited for and retried by the connection's transport", async () => {
    Object.assign(emulator.chaos, { rateLimitNext: 1, retryAfterSec: 1 });
    const r = await raw('GET', proxied('/_sandbox/echo/limited'));
    expect(r.status).toBe(200);
    expect(r.endMs).toBeGreaterThan(900);
    expect(emulator.chaos.rateLimitNext).toBe(0);
  });

  it('the route is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const path = Object.keys(doc.paths).find((p) => p.startsWith('/api/v1/proxy/'));
    expect(path).toBeDefined();
    expect(Object.keys(doc.paths[path!]!)).toEqual(expect.arrayContaining(['get', 'post', 'put', 'delete']));
  });

  it('HEAD answers the headers only', async () => {
    const r = await raw('HEAD', proxied(`/_sandbox/bytes/1000`));
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.body.length).toBe(0);
  });

  it("a vendor folder's connection (Stripe's env default, tenant default): a form POST with the caller's Idempotency-Key creates one PaymentIntent", async () => {
    const own = (await hub.apiKeys.create({ name: 'default', scopes: ['proxy:use'] })).key;
    const post = () => raw('POST', '/api/v1/proxy/conn_default_stripe/v1/payment_intents', { authorization: `Bearer ${own}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'proxy-test-1' }, Buffer.from('amount=1999&currency=usd'));
    const [a, b] = [await post(), await post()];
    expect(a.status).toBe(200);
    expect(json(a)).toMatchObject({ object: 'payment_intent', amount: 1999 });
    expect(json(b).id).toBe(json(a).id);
    expect((await raw('GET', '/api/v1/proxy/conn_default_stripe/v1/payment_intents', { authorization: `Bearer ${key}` })).status).toBe(404);
  });

  it('the provider own errors come back with its status and body', async () => {
    const r = await raw('GET', proxied('/no/such/route'));
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/json/);
    expect(json(r).statusCode).toBe(404);
    expect(r.headers['content-type']).not.toMatch(/problem/);
  });

  it('a 401 from the API (token revoked) makes one refresh and one retry, for a GET and for a small POST', async () => {
    for (const method of ['GET', 'POST']) {
      const before = await token();
      const revoked = await fetch(`${emulator.url}/github/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${before}` });
      expect(revoked.status).toBe(200);
      const n = refreshes();
      const r = await raw(method, proxied('/_sandbox/echo/after-revoke'), method === 'POST' ? { 'content-type': 'application/json', 'content-length': '2' } : {}, method === 'POST' ? Buffer.from('{}') : undefined);
      expect(r.status, method).toBe(200);
      expect(refreshes()).toBe(n + 1);
      expect(echo(r).headers.authorization).toBe(`Bearer ${await token()}`);
      expect(await token()).not.toBe(before);
    }
  });

  it('streams an 8 MB upload (chunked and with a length) past BODY_LIMIT_BYTES, and an 8 MB answer', async () => {
    const size = 8 * MB;
    const bytes = pattern(size);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const chunkedUp = await raw('PUT', proxied('/_sandbox/echo/upload'), { 'content-type': 'application/octet-stream' }, chunked(bytes));
    expect(chunkedUp.status).toBe(200);
    expect(echo(chunkedUp).body).toMatchObject({ bytes: size, sha256: sha });
    const sized = await raw('POST', proxied('/_sandbox/echo/upload'), { 'content-type': 'application/octet-stream', 'content-length': String(size) }, chunked(bytes));
    expect(echo(sized).body).toMatchObject({ bytes: size, sha256: sha });
    // A length the caller gave reaches the provider (GitHub's uploads want one); a chunked body stays chunked.
    expect(echo(sized).headers['content-length']).toBe(String(size));
    expect(echo(chunkedUp).headers['transfer-encoding']).toBe('chunked');
    const down = await raw('GET', proxied(`/_sandbox/bytes/${size}`));
    expect(down.status).toBe(200);
    expect(down.headers['content-length']).toBe(String(size));
    expect(createHash('sha256').update(down.body).digest('hex')).toBe(sha);
  });

  it('a caller that goes away mid-upload or mid-download leaves the hub serving', async () => {
    const { hostname, port } = new URL(url);
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: hostname, port, method: 'PUT', path: proxied('/_sandbox/echo/gone'), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' } });
      req.on('error', () => resolve());
      req.write(pattern(512 * 1024));
      setTimeout(() => (req.destroy(), resolve()), 100);
    });
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: hostname, port, method: 'GET', path: proxied(`/_sandbox/bytes/${4 * MB}?pauseMs=300`), headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.once('data', () => (req.destroy(), resolve()));
      });
      req.on('error', () => resolve());
      req.end();
    });
    await new Promise((r) => setTimeout(r, 400));
    expect((await raw('GET', proxied('/_sandbox/echo/still-here'))).status).toBe(200);
  });

  it('the answer streams: its first bytes arrive before the provider has finished', async () => {
    const r = await raw('GET', proxied(`/_sandbox/bytes/${2 * MB}?pauseMs=600`));
    expect(r.body.length).toBe(2 * MB);
    expect(r.endMs - r.firstByteMs).toBeGreaterThan(400);
  });

  const escapes = [
    ['scheme-relative', '//evil.example.com/x'],
    ['absolute URL', '/https://evil.example.com/x'],
    ['absolute URL, encoded slashes', '/https:%2F%2Fevil.example.com/x'],
    ['encoded //', '/%2F%2Fevil.example.com/x'],
    ['double-encoded //', '/%252F%252Fevil.example.com/x'],
    ['userinfo @', '/@evil.example.com/x'],
    ['encoded @', '/%40evil.example.com/x'],
    ['backslash', '/\\evil.example.com/x'],
    ['encoded backslash', '/%5Cevil.example.com/x'],
    ['dot segments', '/../../google/token'],
    ['encoded dot segments', '/%2e%2e/%2E%2E/google/token'],
    ['double-encoded dot segments', '/a/%252e%252e/%252e%252e/google/token'],
    ['mixed dot segment', '/.%2e/google/token'],
    ['CRLF header injection', '/x%0d%0aHost:%20evil.example.com'],
    ['NUL', '/x%00y'],
  ];
  it.each(escapes)('refuses %s with a 400 naming the allowed host', async (_name, path) => {
    const r = await raw('GET', `/api/v1/proxy/${connectionId}${path}`);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect(String(json(r).detail)).toContain(new URL(emulator.url).host);
  });

  it('a malformed percent-encoding is refused by the router already (400)', async () => {
    expect((await raw('GET', proxied('/x%zz'))).status).toBe(400);
  });

  it('none of the refused paths reached the transport (no audit entry)', async () => {
    await new Promise((r) => setTimeout(r, 100)); // audit rows are written after the call
    const rows = await hub.store.db.selectFrom('audit_log').select(['url', 'operation']).where('operation', 'like', 'proxy.%').execute();
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.url).not.toMatch(/evil|google\/token|%00|%0d|%5c|\\/i);
  });

  it('Switchboard-Proxy-Host: only the provider hosts (in sandbox the emulator), and never forwarded', async () => {
    const other = await raw('GET', proxied('/_sandbox/echo/x'), { 'switchboard-proxy-host': 'uploads.github.com' });
    expect(other.status).toBe(400);
    expect(String(json(other).detail)).toContain(new URL(emulator.url).host);
    const same = await raw('GET', proxied('/_sandbox/echo/x'), { 'switchboard-proxy-host': new URL(emulator.url).host });
    expect(same.status).toBe(200);
    expect(echo(same).headers['switchboard-proxy-host']).toBeUndefined();
  });

  it('lets through paths that only look odd: @ inside a path, encoded slashes inside a segment, dots in names', async () => {
    for (const path of ['/_sandbox/echo/users/@me', '/_sandbox/echo/git/refs/heads%2Fmain', '/_sandbox/echo/.well-known/x.json']) {
      const r = await raw('GET', proxied(path));
      expect(r.status, path).toBe(200);
    }
  });

  it('another tenant cannot reach the connection (404), nor an unknown one; a key without proxy:use is refused (403)', async () => {
    const other = (await hub.apiKeys.create({ name: 'other', tenantId: 'globex', scopes: ['proxy:use'] })).key;
    const r = await raw('GET', proxied('/_sandbox/echo/x'), { authorization: `Bearer ${other}` });
    expect(r.status).toBe(404);
    expect(json(r).code).toBe('not_found');
    expect((await raw('GET', '/api/v1/proxy/conn_nope/_sandbox/echo/x')).status).toBe(404);
    const reader = (await hub.apiKeys.create({ name: 'reader', tenantId: 'acme', scopes: ['connections:read'] })).key;
    expect((await raw('GET', proxied('/_sandbox/echo/x'), { authorization: `Bearer ${reader}` })).status).toBe(403);
  });

  it('a needs_reauth connection is a 409 connection_inactive, with no call to the provider', async () => {
    const second = await connect(admin, 'second');
    emulator.oauthChaos.invalidGrantNext = 1;
    const refreshed = await fetch(`${url}/api/v1/connections/${second}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(refreshed.status).toBe(409);
    const r = await raw('GET', `/api/v1/proxy/${second}/_sandbox/echo/x`);
    expect(r.status).toBe(409);
    expect(json(r)).toMatchObject({ code: 'connection_inactive', details: { status: 'needs_reauth' } });
  });
});
