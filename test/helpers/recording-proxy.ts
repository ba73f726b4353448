/**
 * A proxy between a client and an emulator that keeps every exchange (request and answer), so a
 * spec-conformance suite can check what really went over the wire against a published description.
 *
 * @example
 * const proxy = await startRecordingProxy(emulator.url);
 * const client = new Stripe(key, { host: '127.0.0.1', port: proxy.port, protocol: 'http' });
 * … proxy.exchanges // [{ method, path, query, body, status, answer }]
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  /** The raw query string (without `?`). */
  query: string;
  /** The raw request body. */
  body: string;
  status: number;
  /** The answer parsed as JSON when it is JSON, else undefined. */
  answer: unknown;
}

export interface RecordingProxy {
  url: string;
  port: number;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const raw = Buffer.concat(parts);
          const [path, query = ''] = (req.url ?? '').split('?') as [string, string?];
          const json = /json/.test(String(answer.headers['content-type'])) && raw.length > 0;
          exchanges.push({ method: req.method!, path, query, body: body.toString('utf8'), status: answer.statusCode!, answer: json ? JSON.parse(raw.toString('utf8')) : undefined });
          res.writeHead(answer.statusCode!, answer.headers).end(raw);
        });
      });
      upstream.on('error', (err) => res.writeHead(502).end(String(err)));
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, exchanges, close: () => new Promise<void>((r) => server.close(() => r())) };
}
