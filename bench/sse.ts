/**
 * SSE fan-out: 100 subscribers on `GET /api/v1/events/stream`, N events recorded durably, timed
 * until every subscriber has every event — against a bare node:http SSE server that writes the
 * same N frames from memory to 100 clients, measured in the same run.
 *
 * @example
 * await benchSse({ subscribers: 100, events: 2000 }); // called at the end of bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../src/hub.js';

/** Open `n` SSE clients; `done` resolves when each has seen `expected` events. */
async function subscribe(url: string, headers: Record<string, string>, n: number, expected: number): Promise<{ ready: Promise<void>; done: Promise<void>; close(): void }> {
  const controllers: AbortController[] = [];
  const finished: Promise<void>[] = [];
  const opened: Promise<void>[] = [];
  for (let c = 0; c < n; c++) {
    const ac = new AbortController();
    controllers.push(ac);
    const res = fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
    opened.push(res.then(() => undefined));
    finished.push(
      res.then(async (r) => {
        const reader = r.body!.getReader();
        const decoder = new TextDecoder();
        let seen = 0;
        let tail = '';
        while (seen < expected) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended after ${seen} events`);
          const text = tail + decoder.decode(value, { stream: true });
          const frames = text.split('\n\n');
          tail = frames.pop()!;
          for (const f of frames) if (f.includes('\ndata:') || f.startsWith('data:')) seen++;
        }
      }),
    );
  }
  return { ready: Promise.all(opened).then(() => undefined), done: Promise.all(finished).then(() => undefined), close: () => controllers.forEach((c) => c.abort()) };
}

async function baseline(subscribers: number, events: number): Promise<number> {
  const clients = new Set<ServerResponse>();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': open\n\n');
    clients.add(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const subs = await subscribe(url, {}, subscribers, events);
  await subs.ready;
  while (clients.size < subscribers) await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const frame = `id: ${i + 1}\nevent: bench.tick\ndata: ${JSON.stringify({ id: `evt_${i}`, type: 'bench.tick', data: { i } })}\n\n`;
    for (const c of clients) c.write(frame);
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  await subs.done;
  const ms = performance.now() - started;
  subs.close();
  for (const c of clients) c.end();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return ms;
}

async function throughHub(subscribers: number, events: number): Promise<number> {
  const hub = await createHub({ env: { LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-sse-')), MOCK_EXTERNAL_APIS: 'true', EMAIL_PROVIDERS: 'smtp' } });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  try {
    const subs = await subscribe(`${url}/api/v1/events/stream?type=bench.*`, { authorization: `Bearer ${key}` }, subscribers, events);
    await subs.ready;
    const started = performance.now();
    for (let i = 0; i < events; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, events - i) }, (_, j) =>
          hub.events.recordNow({ tenantId: 'default', type: 'bench.tick', provider: 'switchboard', occurredAt: Date.now(), data: { i: i + j }, raw: null }),
        ),
      );
    }
    await subs.done;
    const ms = performance.now() - started;
    subs.close();
    return ms;
  } finally {
    await hub.close();
  }
}

export async function benchSse(options: { subscribers?: number; events?: number } = {}): Promise<{ hub: number; baseline: number; ratio: number; subscribers: number; events: number }> {
  const subscribers = options.subscribers ?? 100;
  const events = options.events ?? 2000;
  const base = await baseline(subscribers, events);
  const hub = await throughHub(subscribers, events);
  const rate = (ms: number) => ((subscribers * events) / ms) * 1000;
  console.log(
    `${'SSE fan-out: hub vs bare SSE server'.padEnd(34)}  ${rate(hub).toFixed(0).padStart(7)} frames/s vs ${rate(base).toFixed(0).padStart(7)}  (x${(base / hub).toFixed(2)})  ` +
      `${events} events x ${subscribers} subscribers in ${hub.toFixed(0)}ms vs ${base.toFixed(0)}ms (hub events durably recorded first)`,
  );
  return { hub: Math.round(rate(hub)), baseline: Math.round(rate(base)), ratio: Math.round((base / hub) * 1000) / 1000, subscribers, events };
}
