import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { REDACT_PATHS } from '../core/logger.js';
import { PROVIDERS } from '../providers/registry.js';
import { authFields, type AuthSpec } from './auth-spec.js';
import { acmeConnection, acmeManifest, rejection, startServer, type TestServer } from './test-utils/server.js';
import { Transport, type TransportConnection, type TransportOptions } from './transport.js';
import type { AuditEntry, HttpRequest } from './types.js';

const API_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

function bind(auth: AuthSpec, connection: Partial<TransportConnection> = {}, options: TransportOptions = {}) {
  const manifest = acmeManifest({ auth, env: { apiKey: 'ACME_API_KEY', clientId: 'ACME_CLIENT_ID' } });
  const conn = { ...acmeConnection(server.url), credentials: { apiKey: API_KEY, clientId: 'client-1' }, ...connection };
  return new Transport({ clock: fakeClock(), random: () => 0.5, ...options }).forConnection(manifest, conn);
}

const get: HttpRequest = { method: 'GET', path: '/v1/things', operation: 'things.list' };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('auth as data', () => {
  it.each<[string, AuthSpec, Record<string, string>]>([
    ['bearer', { type: 'bearer', token: '{apiKey}' }, { authorization: `Bearer ${API_KEY}` }],
    ['basic', { type: 'basic', username: 'api', password: '{apiKey}' }, { authorization: basic('api', API_KEY) }],
    ['header', { type: 'header', name: 'X-Api-Key', value: '{apiKey}' }, { 'x-api-key': API_KEY }],
    ['header with text around', { type: 'header', name: 'Authorization', value: 'Token {clientId}/{apiKey}' }, { authorization: `Token client-1/${API_KEY}` }],
  ])('%s puts the credential where the vendor wants it', async (_, auth, headers) => {
    await bind(auth).request(get);
    expect(server.hits[0]?.headers).toMatchObject(headers);
  });

  it('query adds the parameter to the URL, next to the request’s own', async () => {
    await bind({ type: 'query', name: 'key', value: '{apiKey}' }).request({ ...get, query: { page: 2 } });
    expect(server.hits[0]?.url).toBe(`/v1/things?page=2&key=${API_KEY}`);
    expect(server.hits[0]?.headers.authorization).toBeUndefined();
  });

  it('oauth2 sends the connection’s access token as a Bearer token', async () => {
    await bind({ type: 'oauth2' }, { tokens: { accessToken: 'ya29.a0Af' } }).request(get);
    expect(server.hits[0]?.headers.authorization).toBe('Bearer ya29.a0Af');
  });

  it('none and custom add nothing, and keep the connector’s own header', async () => {
    await bind({ type: 'none' }).request(get);
    await bind({ type: 'custom', description: 'the connector signs' }).request({ ...get, headers: { authorization: 'Bearer from-connector' } });
    expect(server.hits.map((h) => h.headers.authorization)).toEqual([undefined, 'Bearer from-connector']);
  });

  it('replaces a hand-set Authorization in another case instead of sending two', async () => {
    await bind({ type: 'bearer', token: '{apiKey}' }).request({ ...get, headers: { Authorization: 'Bearer stale' } });
    expect(server.hits[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.hits[0]?.url).toBe('/v1/things');
  });

  it('takes a request-level auth over the manifest’s (a token exchange with Basic)', async () => {
    const http = bind({ type: 'oauth2' });
    await http.request({ method: 'POST', path: '/oauth/token', auth: { type: 'basic', username: '{clientId}', password: '{apiKey}' }, operation: 'token' });
    expect(server.hits[0]?.headers.authorization).toBe(basic('client-1', API_KEY));
  });

  it('sends the manifest’s credentials to the connection’s origin only, not to an absolute URL elsewhere', async () => {
    const other = await startServer();
    try {
      const http = bind({ type: 'bearer', token: '{apiKey}' });
      await http.request({ ...get, path: `${other.url}/files/1` });
      await http.request({ ...get, path: `${server.url}/v1/absolute-but-same-origin` });
      await http.request({ ...get, path: `${other.url}/files/2`, auth: { type: 'header', name: 'X-Download-Key', value: '{clientId}' } });
      expect(other.hits.map((h) => h.headers.authorization)).toEqual([undefined, undefined]);
      expect(other.hits[1]?.headers['x-download-key']).toBe('client-1');
      expect(server.hits[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    } finally {
      await other.close();
    }
  });

  it('fails with config_invalid naming the missing field and its env var, before sending', async () => {
    const err = await rejection(bind({ type: 'bearer', token: '{apiKey}' }, { credentials: { apiKey: '' } }).request(get));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(/"apiKey" credential.*set ACME_API_KEY/);
    expect(err.details).toMatchObject({ field: 'apiKey', env: 'ACME_API_KEY' });
    const noTokens = await rejection(bind({ type: 'oauth2' }).request(get));
    expect(noTokens).toMatchObject({ code: 'config_invalid', details: { field: 'tokens.accessToken' } });
    expect(server.hits).toHaveLength(0);
  });

  it('lists the credential fields a spec reads', () => {
    expect(authFields({ type: 'basic', username: '{clientId}', password: '{clientSecret}' })).toEqual(['clientId', 'clientSecret']);
    expect(authFields({ type: 'oauth2' })).toEqual([]);
  });

  it('every registered manifest’s auth reads secret credential fields it declares', () => {
    for (const { manifest } of PROVIDERS) {
      for (const field of authFields(manifest.auth)) {
        expect(Object.keys(manifest.env), `${manifest.id}: ${field}`).toContain(field);
        expect(manifest.secretFields, `${manifest.id}: ${field}`).toContain(field);
      }
    }
    expect(Object.fromEntries(PROVIDERS.map(({ manifest }) => [manifest.id, manifest.auth.type]))).toMatchObject({
      sendgrid: 'bearer',
      mailgun: 'basic',
      smtp: 'smtp',
      gmail: 'oauth2',
      stripe: 'bearer',
      paypal: 'custom',
      github: 'oauth2',
      mixpanel: 'basic',
    });
  });
});

describe('redaction of auth values', () => {
  it('keeps every auth value out of the audit log and the debug log, retries included', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
    const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    const audit: AuditEntry[] = [];
    const options = { audit: (e: AuditEntry) => void audit.push(e), logger };
    server.reply({ status: 503 }, { status: 503 });
    // `appid` does not look secret by its name: only the auth declaration says it is.
    await bind({ type: 'query', name: 'appid', value: '{apiKey}' }, {}, options).request({ ...get, query: { q: 'Paris' } });
    await bind({ type: 'bearer', token: '{apiKey}' }, {}, options).request(get);
    await bind({ type: 'header', name: 'X-Api-Key', value: '{apiKey}' }, {}, options).request(get);
    expect(server.hits[0]?.url).toContain(`appid=${API_KEY}`);
    expect(audit).toHaveLength(5);
    expect(audit[0]?.url).toBe(`${server.url}/v1/things?q=Paris&appid=[redacted]`);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
    expect(lines.join('')).not.toContain(API_KEY);
    expect(lines.join('')).not.toContain(Buffer.from(`api:${API_KEY}`).toString('base64'));
  });
});
