import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { isSecretParam, redactUrl } from './redact.js';
import { acmeConnection, acmeManifest, startServer, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';
import type { AuditEntry } from './types.js';

describe('redactUrl', () => {
  it.each([
    ['https://api.example.com/v1/x?api_key=secret&page=2', 'https://api.example.com/v1/x?api_key=[redacted]&page=2'],
    ['https://user:pw@api.example.com/v1/x', 'https://api.example.com/v1/x'],
    ['https://x.test/a?access_token=t&apiKey=k&key=k&sig=s&limit=5', 'https://x.test/a?access_token=[redacted]&apiKey=[redacted]&key=[redacted]&sig=[redacted]&limit=5'],
    ['https://b.s3.test/o?X-Amz-Signature=abc&X-Amz-Credential=c&X-Amz-Date=d', 'https://b.s3.test/o?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&X-Amz-Date=d'],
    ['https://x.test/cb?code=abc&state=s#access_token=t', 'https://x.test/cb?code=[redacted]&state=s'],
    ['https://x.test/a?client%5Fsecret=z&flag', 'https://x.test/a?client%5Fsecret=[redacted]&flag'],
    ['https://x.test/plain/path', 'https://x.test/plain/path'],
    ['email.send', 'email.send'],
    ['not a url?password=x', 'not a url?password=[redacted]'],
  ])('%s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it('tells secret parameter names from ordinary ones', () => {
    for (const name of ['token', 'refresh_token', 'password', 'Signature', 'auth', 'x-api-key', 'privateKey']) expect(isSecretParam(name)).toBe(true);
    for (const name of ['page', 'limit', 'monkey', 'author', 'status', 'to']) expect(isSecretParam(name)).toBe(false);
  });
});

describe('audit, logs and metrics', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  function setup(extra: { logger?: pino.Logger; registry?: Registry } = {}) {
    const audit: AuditEntry[] = [];
    const transport = new Transport({ clock: fakeClock(1_700_000_000_000), audit: (e) => audit.push(e), random: () => 0, ...extra });
    const base = server.url.replace('http://', 'http://admin:hunter2@');
    return { audit, transport, http: transport.forConnection(acmeManifest(), acmeConnection(base)) };
  }

  it('a secret value in the path (a token, as HubSpot takes it) is redacted in the audit entry, raw or percent-encoded', async () => {
    const { audit, http } = setup();
    server.reply({ status: 200 });
    const token = 'CJS4a/b+c=tok';
    await http.request({ method: 'GET', path: `/oauth/v1/access-tokens/${encodeURIComponent(token)}`, secrets: [token], operation: 'hubspot.userinfo' });
    expect(server.hits[0]?.url).toBe(`/oauth/v1/access-tokens/${encodeURIComponent(token)}`);
    expect(audit[0]!.url).toBe(`${server.url}/oauth/v1/access-tokens/[redacted]`);
    expect(JSON.stringify(audit)).not.toContain('CJS4');
  });

  it('writes one redacted audit entry per attempt, without headers or bodies', async () => {
    const { audit, http } = setup();
    server.reply({ status: 503, headers: { 'x-request-id': 'req_1' } }, { status: 200, headers: { 'x-request-id': 'req_2' } });
    await http.request({
      method: 'PUT',
      path: '/v1/things/1',
      query: { api_key: 'secret', page: 2 },
      headers: { authorization: 'Bearer sk_live_abc' },
      body: { card: '4242' },
      operation: 'things.update',
    });
    expect(server.hits[0]?.url).toBe('/v1/things/1?api_key=secret&page=2'); // the provider got the real one
    expect(audit).toHaveLength(2);
    const url = `${server.url}/v1/things/1?api_key=[redacted]&page=2`;
    expect(audit[0]).toMatchObject({ provider: 'acme', connectionId: 'conn_1', operation: 'things.update', method: 'PUT', url, status: 503, errorCode: 'provider_unavailable', attempt: 1, requestId: 'req_1', at: 1_700_000_000_000 });
    expect(audit[1]).toMatchObject({ status: 200, attempt: 2, requestId: 'req_2', url });
    expect(audit[1]?.errorCode).toBeUndefined();
    expect(typeof audit[0]?.durationMs).toBe('number');
    const text = JSON.stringify(audit);
    for (const secret of ['secret', 'hunter2', 'sk_live', '4242', 'authorization']) expect(text).not.toContain(secret);
  });

  it('logs each attempt at debug level with the same redacted data', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
    const { http } = setup({ logger: pino({ level: 'debug' }, sink) });
    await http.request({ method: 'GET', path: '/v1/x', query: { token: 'tok_secret' }, operation: 'x.get' });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as { level: number; providerCall: AuditEntry };
    expect(line.level).toBe(20);
    expect(line.providerCall).toMatchObject({ provider: 'acme', status: 200, url: `${server.url}/v1/x?token=[redacted]` });
    expect(lines[0]).not.toContain('tok_secret');
    expect(lines[0]).not.toContain('hunter2');
  });

  it('exports the Prometheus series into the given registry, not the global one', async () => {
    const registry = new Registry();
    const { transport, http } = setup({ registry });
    expect(transport.registry).toBe(registry);
    server.reply({ status: 503 }, { status: 429 });
    await http.request({ method: 'GET', path: '/v1/x', operation: 'x.get' });
    const text = await registry.metrics();
    expect(text).toContain('switchboard_provider_calls_total{provider="acme",operation="x.get",status="503"} 1');
    expect(text).toContain('switchboard_provider_calls_total{provider="acme",operation="x.get",status="429"} 1');
    expect(text).toContain('switchboard_provider_calls_total{provider="acme",operation="x.get",status="200"} 1');
    expect(text).toContain('switchboard_provider_call_duration_seconds_count{provider="acme",operation="x.get"} 3');
    expect(text).toContain('switchboard_provider_errors_total{provider="acme",code="provider_unavailable"} 1');
    expect(text).toContain('switchboard_provider_errors_total{provider="acme",code="provider_rate_limited"} 1');
    expect(text).toContain('switchboard_provider_retries_total{provider="acme"} 2');
    expect(text).toContain('switchboard_provider_breaker_state{provider="acme"} 0');
  });

  it('lets several transports share or separate registries', async () => {
    const shared = new Registry();
    const a = new Transport({ registry: shared });
    expect(() => new Transport({ registry: shared })).not.toThrow();
    const b = new Transport();
    expect(b.registry).not.toBe(a.registry);
    await b.forConnection(acmeManifest(), acmeConnection(server.url)).request({ method: 'GET', path: '/', operation: 'x.get' });
    expect(await b.registry.metrics()).toContain('status="200"} 1');
    expect(await shared.metrics()).not.toContain('status="200"');
  });

  it('labels a call that got no answer with its error code', async () => {
    const { transport, http } = setup();
    server.reply('drop');
    await http.request({ method: 'POST', path: '/v1/x', operation: 'x.create' }).catch(() => undefined);
    expect(await transport.registry.metrics()).toContain('switchboard_provider_calls_total{provider="acme",operation="x.create",status="provider_unavailable"} 1');
  });
});
