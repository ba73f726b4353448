import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, type Clock } from '../core/clock.js';
import { acmeConnection, acmeManifest, freePort, rejection, startHandlerServer, startServer, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function scripted(): Promise<TestServer> {
  const server = await startServer();
  closers.push(() => server.close());
  return server;
}

async function handler(fn: Parameters<typeof startHandlerServer>[0]) {
  const server = await startHandlerServer(fn);
  closers.push(server.close);
  return server;
}

const bind = (url: string, clock: Clock = fakeClock()) => new Transport({ clock, random: () => 0.5 }).forConnection(acmeManifest(), acmeConnection(url));

/** Rejects with `message` when `promise` takes longer than `ms` (a stream that was buffered would deadlock). */
const within = <T>(promise: Promise<T>, ms: number, message: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);

/** Every byte value, so any text decoding on the way would show. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

describe('binary bodies', () => {
  it('sends a Uint8Array as bytes and reads a binary answer as a Buffer', async () => {
    const server = await scripted();
    server.reply({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: BINARY });
    const bytes = new Uint8Array(BINARY.buffer, BINARY.byteOffset, BINARY.byteLength);
    const res = await bind(server.url).request({ method: 'PUT', path: '/blobs/a', body: bytes, responseType: 'buffer', operation: 'blob.put' });
    expect(server.hits[0]?.raw.equals(BINARY)).toBe(true);
    expect(server.hits[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.isBuffer(res.body) && res.body.equals(BINARY)).toBe(true);
  });

  it("keeps the caller's content-type, whatever its case, and sends it once", async () => {
    const server = await scripted();
    await bind(server.url).request({ method: 'PUT', path: '/a.png', headers: { 'Content-Type': 'image/png' }, body: BINARY, operation: 'blob.put' });
    expect(server.hits[0]?.headers['content-type']).toBe('image/png');
  });

  it('still sends objects as JSON and reads text by default', async () => {
    const server = await scripted();
    const res = await bind(server.url).request({ method: 'POST', path: '/v1/things', body: { a: 1 }, operation: 'things.create' });
    expect(server.hits[0]).toMatchObject({ body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(res.json()).toEqual({ ok: true });
  });
});

describe('streamed request bodies', () => {
  it('sends chunks as they are produced: the server reads the first before the last exists', async () => {
    let sawFirst!: () => void;
    const firstArrived = new Promise<void>((resolve) => (sawFirst = resolve));
    const chunks: Buffer[] = [];
    const server = await handler((req, res) => {
      req.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        sawFirst();
      });
      req.on('end', () => res.end('{"ok":true}'));
    });
    async function* body() {
      yield Buffer.from('first;');
      await within(firstArrived, 3000, 'the server never saw the first chunk: the body was buffered');
      yield Buffer.from('last');
    }
    const res = await bind(server.url).request({ method: 'PUT', path: '/up', body: body(), operation: 'blob.put' });
    expect(res.status).toBe(200);
    expect(Buffer.concat(chunks).toString()).toBe('first;last');
  });

  it('streams 50 MB produced lazily, never far ahead of what the server has read', async () => {
    const CHUNK = 64 * 1024;
    const COUNT = 800; // 52 428 800 bytes
    let received = 0;
    const serverHash = createHash('sha256');
    const server = await handler((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        serverHash.update(chunk);
      });
      req.on('end', () => res.end(JSON.stringify({ bytes: received, sha256: serverHash.digest('hex') })));
    });
    const clientHash = createHash('sha256');
    let produced = 0;
    let maxLead = 0;
    async function* body() {
      for (let i = 0; i < COUNT; i++) {
        const chunk = Buffer.alloc(CHUNK, i % 251);
        clientHash.update(chunk);
        produced += chunk.length;
        maxLead = Math.max(maxLead, produced - received);
        yield chunk;
      }
    }
    const res = await bind(server.url).request({ method: 'PUT', path: '/big', body: body(), timeoutMs: 60_000, operation: 'blob.put' });
    expect(res.json()).toEqual({ bytes: CHUNK * COUNT, sha256: clientHash.digest('hex') });
    // Socket and stream buffers hold a few MB at most; a buffered body would lead by all 50 MB.
    expect(maxLead).toBeLessThan(16 * 1024 * 1024);
  });

  it('does not retry a one-shot stream once it was read, and says how to make it retryable', async () => {
    const server = await scripted();
    server.reply({ status: 503 });
    const err = await rejection(
      bind(server.url).request({ method: 'PUT', path: '/up', body: Readable.from([Buffer.from('abc')]), operation: 'blob.put' }),
    );
    expect(err.code).toBe('provider_unavailable');
    expect(err.details).toMatchObject({ bodyReplayable: false });
    expect(err.message).toMatch(/body factory \(`body: \(\) => stream`\)/);
    expect(server.hits.map((h) => h.body)).toEqual(['abc']);
  });

  it('retries with a body factory: a fresh, complete stream for each attempt', async () => {
    const server = await scripted();
    server.reply({ status: 503 });
    let made = 0;
    const body = () => {
      made++;
      return Readable.from([Buffer.from('abc'), Buffer.from('def')]);
    };
    const res = await bind(server.url).request({ method: 'PUT', path: '/up', body, operation: 'blob.put' });
    expect(res.status).toBe(200);
    expect(made).toBe(2);
    expect(server.hits.map((h) => h.body)).toEqual(['abcdef', 'abcdef']);
  });

  it('retries a one-shot stream that was never read (connection refused) and sends all of it', async () => {
    const port = await freePort();
    const later = await startServer(port, false);
    closers.push(() => later.close());
    const clock: Clock = { now: () => Date.now(), sleep: () => later.listen(port) };
    const res = await bind(`http://127.0.0.1:${port}`, clock).request({
      method: 'POST',
      path: '/up',
      body: Readable.from([Buffer.from('all '), Buffer.from('of it')]),
      operation: 'blob.put',
    });
    expect(res.status).toBe(200);
    expect(later.hits.map((h) => h.body)).toEqual(['all of it']);
  });
});

describe('streamed answers', () => {
  it('resolves at the headers: the first chunk reaches the caller before the server ends', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = await handler((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-request-id': 'req_9' });
      res.write('chunk-1;');
      void released.then(() => res.end('chunk-2'));
    });
    const res = await within(
      bind(server.url).request({ method: 'GET', path: '/file', responseType: 'stream', operation: 'blob.get' }),
      3000,
      'the answer was read to its end before resolving',
    );
    expect(res.headers['x-request-id']).toBe('req_9');
    const reader = res.body[Symbol.asyncIterator]();
    const first = await within(reader.next(), 3000, 'no first chunk');
    expect(String(first.value)).toBe('chunk-1;');
    release();
    const rest: string[] = [];
    for (let next = await reader.next(); !next.done; next = await reader.next()) rest.push(String(next.value));
    expect(rest.join('')).toBe('chunk-2');
  });

  it("aborts a streamed answer with the request's signal, after the call resolved", async () => {
    const server = await handler((_req, res) => {
      res.writeHead(200);
      res.write('part');
    });
    const controller = new AbortController();
    const res = await bind(server.url).request({ method: 'GET', path: '/f', responseType: 'stream', signal: controller.signal, operation: 'blob.get' });
    const reading = (async () => {
      for await (const _ of res.body) controller.abort(new Error('enough'));
    })();
    await expect(reading).rejects.toThrow();
  });

  it('maps an error answer from its text even when a stream was asked for', async () => {
    const server = await scripted();
    server.reply({ status: 404, body: '{"error":"no such blob"}' });
    const err = await rejection(bind(server.url).request({ method: 'GET', path: '/missing', responseType: 'stream', operation: 'blob.get' }));
    expect(err).toMatchObject({ code: 'provider_rejected', providerStatus: 404 });
  });
});
