import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import type { SigningConnection, SigningRequest } from './auth-spec.js';
import { acmeConnection, acmeManifest, rejection, startServer, type Hit, type Reply, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';

/**
 * A SigV4-like scheme: HMAC-SHA256 over method, path and query, a millisecond timestamp and the
 * payload hash, with the connection's secret. The server checks the signature and that the
 * timestamp is fresh, as S3 and Azure Storage do (theirs allow minutes; ours 300 ms, so a
 * signature reused across a 1 s backoff is refused).
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const FRESH_MS = 300;

const stringToSign = (method: string, pathAndQuery: string, date: string, payloadHash: string) => [method, pathAndQuery, date, payloadHash].join('\n');
const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');

function sign(req: SigningRequest, connection: SigningConnection): void {
  const { secret } = connection.credentials as { secret: string };
  const date = new Date().toISOString();
  const payloadHash = req.body.type === 'bytes' ? createHash('sha256').update(req.body.bytes).digest('hex') : (req.body.payloadHash ?? 'UNSIGNED-PAYLOAD');
  req.headers['x-sb-date'] = date;
  req.headers['x-sb-content-sha256'] = payloadHash;
  req.headers['x-sb-attempt'] = String(req.attempt);
  const text = stringToSign(req.method, req.url.pathname + req.url.search, date, payloadHash);
  req.headers.authorization = `SB-HMAC-SHA256 Signature=${createHmac('sha256', secret).update(text).digest('hex')}`;
}

/** The server's side: 403 unless the signature matches and the timestamp is fresh, then `then`. */
const verified =
  (then: Reply = { status: 200 }): Reply =>
  (hit: Hit) => {
    const date = String(hit.headers['x-sb-date']);
    const payloadHash = String(hit.headers['x-sb-content-sha256']);
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(hit.raw).digest('hex')) return { status: 400, body: '{"error":"payload hash"}' };
    const expected = `SB-HMAC-SHA256 Signature=${hmac(stringToSign(hit.method, hit.url, date, payloadHash))}`;
    if (hit.headers.authorization !== expected) return { status: 403, body: '{"error":"signature"}' };
    if (Math.abs(hit.at - Date.parse(date)) > FRESH_MS) return { status: 403, body: '{"error":"request time too skewed"}' };
    return then;
  };

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

function bind(withSign = true) {
  const manifest = acmeManifest({ auth: withSign ? { type: 'custom', description: 'HMAC request signing', sign } : { type: 'none' } });
  const connection = { ...acmeConnection(server.url), credentials: { secret: SECRET } };
  return new Transport({ clock: systemClock, random: () => 0.5 }).forConnection(manifest, connection);
}

describe('per-attempt signing hook', () => {
  it('signs every attempt after the backoff: a retried 503 goes out with a fresh, valid signature', async () => {
    server.reply(verified({ status: 503, headers: { 'retry-after': '1' } }), verified());
    const res = await bind().request({ method: 'PUT', path: '/bucket/key.txt', query: { versionId: '7' }, body: 'hello', operation: 'blob.put' });
    expect(res.status).toBe(200);
    const [first, second] = server.hits.map((h) => ({ date: Date.parse(String(h.headers['x-sb-date'])), auth: h.headers.authorization, attempt: h.headers['x-sb-attempt'] }));
    expect(second!.date - first!.date).toBeGreaterThanOrEqual(1000);
    expect(second!.auth).not.toBe(first!.auth);
    expect([first!.attempt, second!.attempt]).toEqual(['1', '2']);
  });

  it('is needed: the same server refuses a signature made once and reused after the backoff', async () => {
    server.reply(verified({ status: 503, headers: { 'retry-after': '1' } }), verified());
    let signedOnce: Record<string, string> | undefined;
    const err = await rejection(
      bind(false).request({
        method: 'PUT',
        path: '/bucket/key.txt',
        body: 'hello',
        operation: 'blob.put',
        sign: (req) => {
          if (!signedOnce) {
            sign(req, { id: 'c', credentials: { secret: SECRET } });
            signedOnce = { ...req.headers };
          }
          Object.assign(req.headers, signedOnce);
        },
      }),
    );
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerStatus: 403 });
    expect(server.hits).toHaveLength(2);
  });

  it('describes a JSON body by its exact bytes, and a stream by the caller’s payload hash', async () => {
    const seen: SigningRequest['body'][] = [];
    const http = bind();
    const record = (req: SigningRequest) => void seen.push(req.body);
    server.reply(verified(), verified());
    await http.request({ method: 'POST', path: '/v1/things', body: { a: 1 }, sign: record, operation: 'things.create' });
    await http.request({ method: 'PUT', path: '/big', body: () => Readable.from([Buffer.from('x')]), payloadHash: 'UNSIGNED-PAYLOAD', sign: record, operation: 'blob.put' });
    expect(seen[0]).toEqual({ type: 'bytes', bytes: Buffer.from('{"a":1}'), payloadHash: undefined });
    expect(seen[1]).toEqual({ type: 'stream', payloadHash: 'UNSIGNED-PAYLOAD' });
    expect(server.hits.map((h) => h.headers['x-sb-content-sha256'])).toEqual([createHash('sha256').update('{"a":1}').digest('hex'), 'UNSIGNED-PAYLOAD']);
  });

  it('runs the request hook after the manifest hook, and lets it add query parameters', async () => {
    await bind(false).request({
      method: 'GET',
      path: '/bucket/key.txt',
      operation: 'blob.get',
      sign: (req) => {
        req.url.searchParams.set('X-Sb-Expires', '60');
        req.headers['x-extra'] = req.method;
      },
    });
    expect(server.hits[0]).toMatchObject({ url: '/bucket/key.txt?X-Sb-Expires=60', headers: { 'x-extra': 'GET' } });
  });

  it('fails the call without sending when the hook throws', async () => {
    const err = await rejection(
      bind(false).request({ method: 'GET', path: '/x', operation: 'blob.get', sign: () => Promise.reject(new Error('no signing key for region eu-west-3')) }),
    );
    expect(err.message).toMatch(/no signing key for region eu-west-3/);
    expect(server.hits).toHaveLength(0);
  });
});
