/**
 * Helpers the emulator's tests share: an OAuth2 session that calls the emulator with plain
 * `fetch`, and a local `node:http` receiver that records requests (return URLs, webhooks).
 * Test code only; nothing here is used by the emulator itself.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaypalEmulator } from './index.js';

/** One answer, parsed when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads arbitrary PayPal JSON
  body: any;
  text: string;
}

/** A bearer session against the emulator. */
export interface PaypalSession {
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

/**
 * Reads an answer into {@link Answer}.
 *
 * @example
 * const page = await fetch(approveHref).then(readAnswer);
 */
export async function readAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (HTML page, PEM)
  }
  return { status: res.status, headers: res.headers, body, text };
}

/**
 * Gets a token with the emulator's client credentials and returns a session.
 *
 * @example
 * const pp = await paypalSession(emulator);
 * const created = await pp.call('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [...] });
 */
export async function paypalSession(emulator: PaypalEmulator): Promise<PaypalSession> {
  const { clientId, clientSecret } = emulator.credentials;
  const res = await fetch(`${emulator.url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  return {
    token,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      return readAnswer(await fetch(`${emulator.url}${path}`, init));
    },
  };
}

/** A request the receiver got. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A local HTTP server recording every request (answers 200 "ok").
 *
 * @example
 * const rx = await startReceiver();
 * emulator.setWebhookTarget(`${rx.url}/webhooks/paypal`);
 */
export async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A minimal one-unit CAPTURE order body.
 *
 * @example
 * await pp.call('POST', '/v2/checkout/orders', orderBody('1500', 'JPY'));
 */
export const orderBody = (value = '10.00', currency = 'USD', extra: Record<string, unknown> = {}) => ({
  intent: 'CAPTURE',
  purchase_units: [{ reference_id: 'default', amount: { currency_code: currency, value }, ...extra }],
});
