/**
 * The SSE stream's replay/live hand-over, made deterministic: a fake tail delivers "live" events
 * at chosen moments of the replay (before it starts, and while its first page is being written),
 * against a real store. Nothing is lost and nothing is sent twice.
 */
import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { EventStore, type UnifiedEvent } from '../src/events/event-store.js';
import { SseStream } from '../src/events/sse.js';
import type { EventTail } from '../src/events/tail.js';
import type { Store } from '../src/store/store.js';
import { sqliteFixture } from './helpers/stores.js';

let store: Store;
let events: EventStore;
beforeAll(async () => {
  store = await sqliteFixture().open();
  events = new EventStore(store, systemClock);
});
afterAll(async () => {
  await store?.close();
});

/** A response that keeps what is written, and calls `onWrite` for each chunk. */
function fakeResponse(onWrite: (chunk: string) => void) {
  const chunks: string[] = [];
  const res = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      onWrite(chunk.toString());
      done();
    },
  }) as unknown as ServerResponse & { chunks: string[] };
  (res as unknown as { writeHead: () => void }).writeHead = () => {};
  res.chunks = chunks;
  return res;
}

it('replays after lastSeq, then live events, each once, with live events arriving during the replay', async () => {
  const record = () => events.recordNow({ tenantId: 'acme', type: 'email.delivered', provider: 'sendgrid', occurredAt: Date.now(), data: {}, raw: null }) as Promise<UnifiedEvent>;
  const old = await record();
  const backlog = [await record(), await record(), await record()];
  let listener: ((e: UnifiedEvent) => void) | undefined;
  const tail = { subscribe: (l: (e: UnifiedEvent) => void) => ((listener = l), () => (listener = undefined)) } as unknown as EventTail;
  // An event committed after the replay read its page, arriving live while the replay writes.
  const duringReplay: UnifiedEvent = { ...backlog[0]!, id: 'evt_during', seq: backlog[2]!.seq + 1000 };
  const res = fakeResponse((chunk) => {
    if (chunk.startsWith(`id: ${backlog[0]!.seq}\n`)) listener?.(duringReplay);
  });
  const stream = new SseStream(res, { tenantId: 'acme', types: [], providers: [] }, { store, tail, clock: systemClock, heartbeatMs: 60_000, graceMs: 10_000, keepMs: 30_000 });
  // Committed after the subscription, seen live before the replay reads it: replayed AND live.
  const started = stream.start(old.seq);
  listener?.(backlog[2]!);
  await started;
  await new Promise((r) => setTimeout(r, 50));
  const after = await record();
  listener?.(after);
  listener?.(after); // a second delivery of the same seq (bus and poll) is dropped too
  stream.close();
  const ids = res.chunks.join('').match(/^id: \d+$/gm)!.map((l) => Number(l.slice(4)));
  expect(ids).toEqual([...backlog, duringReplay, after].map((e) => e.seq));
});
