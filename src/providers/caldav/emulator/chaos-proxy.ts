/**
 * The chaos knobs in front of Radicale: a loopback HTTP proxy that forwards every request (any
 * method, streamed both ways) and, as the other emulators do, answers 503 at `errorRate`, waits
 * `latencyMs`, answers the next `rateLimitNext` requests 429 with `Retry-After`, and lets the next
 * `dropAfterAcceptNext` writes (PUT, DELETE, MKCALENDAR) reach Radicale, then destroys the
 * connection before the answer: the change is stored, the client never hears it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChaosSettings } from '../../../kit/emulator.js';

const WRITES = new Set(['PUT', 'DELETE', 'MKCALENDAR']);

export interface ChaosProxy {
  url: string;
  /** Writes that reached Radicale (method and path), newest last. */
  writes: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startChaosProxy(radicalePort, chaos, 0); // proxy.url is what connectors use
 */
export async function startChaosProxy(upstreamPort: number, chaos: ChaosSettings, port = 0): Promise<ChaosProxy> {
  const writes: ChaosProxy['writes'] = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const drop = WRITES.has(req.method ?? '') && chaos.dropAfterAcceptNext > 0 && chaos.dropAfterAcceptNext-- > 0;
    const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (WRITES.has(req.method ?? '')) writes.push({ method: req.method!, path: req.url ?? '', status: answer.statusCode ?? 0 });
      if (drop) {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, text: string) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
  };
  const server: Server = createServer((req, res) => {
    if (chaos.rateLimitNext > 0) {
      chaos.rateLimitNext--;
      return refuse(req, res, 429, { 'retry-after': String(chaos.retryAfterSec) }, 'Too many requests');
    }
    if (chaos.errorRate > 0 && Math.random() < chaos.errorRate) return refuse(req, res, 503, {}, 'Service unavailable (emulator chaos)');
    if (chaos.latencyMs > 0) setTimeout(() => forward(req, res), chaos.latencyMs);
    else forward(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
