/**
 * A real local HTTP server for transport tests (node:http on a loopback port), answering from a
 * script, plus a small provider manifest whose error mapper behaves like a real connector's.
 */
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubError } from '../../core/errors.js';
import type { TransportConnection, TransportManifest } from '../transport.js';
import type { HttpResponse } from '../types.js';

/**
 * A scripted answer: a response, `drop` (read the request, then destroy the socket), `hang`, or a
 * function of the request that answers one of those (a server-side check).
 */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer; delayMs?: number }
  | 'drop'
  | 'hang'
  | ((hit: Hit) => Reply);

export interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's bytes. */
  raw: Buffer;
  /** Epoch ms when the request ended (the server's clock). */
  at: number;
}

export interface TestServer {
  url: string;
  port: number;
  /** Every request received, oldest first. */
  hits: Hit[];
  /** Queue answers for the next requests; when the queue is empty: 200 `{"ok":true}`. */
  reply(...replies: Reply[]): void;
  listen(port?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a scripted server (on `port`, default a free one).
 *
 * @example
 * const server = await startServer(); server.reply({ status: 503 }); // then 200
 */
export async function startServer(port = 0, autoListen = true): Promise<TestServer> {
  const queue: Reply[] = [];
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const hit: Hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw.toString(), raw, at: Date.now() };
      hits.push(hit);
      let next = queue.shift() ?? { status: 200, body: '{"ok":true}' };
      while (typeof next === 'function') next = next(hit);
      const reply = next;
      if (reply === 'hang') return;
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      const send = () => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? (reply.status < 400 ? '{"ok":true}' : '{"error":"boom"}'));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  const handle: TestServer = {
    url: '',
    port,
    hits,
    reply: (...replies) => void queue.push(...replies),
    listen: (p = port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, '127.0.0.1', () => {
          handle.port = (server.address() as AddressInfo).port;
          handle.url = `http://127.0.0.1:${handle.port}`;
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  if (autoListen) await handle.listen();
  return handle;
}

/** A port nobody listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const probe = await startServer();
  await probe.close();
  return probe.port;
}

/** Maps answers the way a connector's `errors.ts` does (without providerStatus: the transport adds it). */
export function acmeMapError(res: HttpResponse): HubError {
  const message = `Acme answered ${res.status}`;
  if (res.status === 429) return new HubError('provider_rate_limited', message, { provider: 'acme' });
  if (res.status === 408) return new HubError('provider_timeout', message, { provider: 'acme' });
  if ([500, 502, 503, 504].includes(res.status)) return new HubError('provider_unavailable', message, { provider: 'acme' });
  if (res.status === 401 || res.status === 403) return new HubError('provider_auth_failed', message, { provider: 'acme' });
  return new HubError('provider_rejected', message, { provider: 'acme' });
}

/** A manifest for the fictional provider "Acme". */
export function acmeManifest(over: Partial<TransportManifest> = {}): TransportManifest {
  return { id: 'acme', name: 'Acme', auth: { type: 'none' }, idempotencyHeader: 'Idempotency-Key', mapError: acmeMapError, ...over };
}

/** A connection of Acme at `baseUrl`. */
export function acmeConnection(baseUrl: string, id = 'conn_1'): TransportConnection & { credentials: Record<string, unknown> } {
  return { id, baseUrl, credentials: {} };
}

/** The HubError a promise rejects with (throws if it resolves or rejects with something else). */
export async function rejection(promise: Promise<unknown>): Promise<HubError> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof HubError)) throw new Error(`expected a HubError, got ${String(outcome.error)}`);
  return outcome.error;
}

/**
 * A loopback server answering with `handler` (for tests that drive the socket themselves:
 * streamed requests and answers).
 *
 * @example
 * const srv = await startHandlerServer((req, res) => req.pipe(res));
 */
export async function startHandlerServer(handler: RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
