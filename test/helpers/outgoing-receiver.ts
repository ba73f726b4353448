/**
 * A local webhook receiver for outgoing-webhook tests: a bare node:http server that records every
 * request (headers, raw body, time) and answers what `respond` says (default 204).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  respond: (req: Received) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(respond: (req: Received) => Answer = () => ({ status: 204 }), host = '127.0.0.1'): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], respond, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      r.received.push(rec);
      const a = r.respond(rec);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  r.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
