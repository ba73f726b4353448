/**
 * A local HTTP server that answers 200 and keeps every request's raw body and headers: the
 * receiving end of an emulator's webhooks in tests.
 *
 * @example
 * const sink = await captureServer(); emulator.setWebhookTarget(`${sink.url}/webhooks/sendgrid`); … await sink.close();
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export async function captureServer(): Promise<{ url: string; captured: Captured[]; close(): Promise<void> }> {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
