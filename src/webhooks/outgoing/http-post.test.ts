import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowlist } from './address-guard.js';
import { createWebhookAgent, postWebhook } from './http-post.js';

const allow = parseAllowlist(['127.0.0.0/8']);
let server: Server;
let base: string;
const seen: { path: string; body: string; signature: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url!, body, signature: req.headers['webhook-signature'] as string | undefined });
      if (req.url === '/stall') return; // never answers
      if (req.url === '/huge') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000));
      if (req.url === '/busy') return res.writeHead(429, { 'retry-after': '7' }).end('slow down');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('postWebhook', () => {
  it('posts the body with the headers and reports the status, keeping the connection for the next one', async () => {
    const agent = createWebhookAgent(allow, 5_000);
    const a = await postWebhook(agent, allow, `${base}/ok?x=1`, { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' }, '{"a":1}', 5_000);
    const b = await postWebhook(agent, allow, `${base}/ok?x=1`, { 'content-type': 'application/json' }, '{"a":2}', 5_000);
    expect([a.status, b.status, a.error]).toEqual([204, 204, null]);
    expect(seen.filter((s) => s.path === '/ok?x=1').map((s) => [s.body, s.signature])).toEqual([
      ['{"a":1}', 'v1,abc'],
      ['{"a":2}', undefined],
    ]);
    await agent.close();
  });

  it('keeps the first 1 KiB of an answer, stops reading a long one, and reads Retry-After', async () => {
    const agent = createWebhookAgent(allow, 5_000);
    const huge = await postWebhook(agent, allow, `${base}/huge`, {}, '{}', 5_000);
    expect(huge).toMatchObject({ status: 200, error: null });
    expect(huge.response).toBe('x'.repeat(1024));
    const busy = await postWebhook(agent, allow, `${base}/busy`, {}, '{}', 5_000);
    expect(busy).toMatchObject({ status: 429, response: 'slow down', retryAfterMs: 7_000 });
    await agent.close();
  });

  it('gives up at the deadline when no answer comes', async () => {
    const agent = createWebhookAgent(allow, 60_000);
    const started = performance.now();
    const out = await postWebhook(agent, allow, `${base}/stall`, {}, '{}', 300);
    expect(out).toMatchObject({ status: null, error: 'timeout after 300 ms' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(3_000);
    await agent.destroy();
  });

  it('reports a refused connection and a forbidden IP literal without sending', async () => {
    const agent = createWebhookAgent(allow, 5_000);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await postWebhook(agent, allow, `http://127.0.0.1:${port}/x`, {}, '{}', 5_000);
    expect(refused).toMatchObject({ status: null, response: null });
    expect(refused.error).toMatch(/ECONNREFUSED/);
    const before = seen.length;
    const forbidden = await postWebhook(agent, parseAllowlist([]), `${base}/ok?x=1`, {}, '{}', 5_000); // allowed with the other list above
    expect(forbidden.error).toMatch(/^refused: /);
    expect(seen.length).toBe(before);
    await agent.close();
  });
});
