/**
 * The SSE stream's replay/live hand-over, made deterministic: a fake tail delivers "live" events
 * at chosen moments of the replay (before it starts, and while its first page is being written),
 * against a real store. Nothing is lost and nothing is sent twice. Then the live fan-out: one
 * write per stream per turn with shared bytes, and the bounds on slow clients.
 */
import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { EventStore, type UnifiedEvent } from '../src/events/event-store.js';
import { filterKey } from '../src/events/filter.js';
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

// ---- the live fan-out: one write per stream per turn, shared bytes, bounded slow clients ----

let seqBase = 1_000_000;
function liveEvent(over: Partial<UnifiedEvent> = {}): UnifiedEvent {
  const seq = ++seqBase;
  return { id: `evt_live${seq}`, seq, tenantId: 'acme', type: 'email.delivered', provider: 'sendgrid', connectionId: null, sourceId: null, occurredAt: new Date().toISOString(), receivedAt: new Date().toISOString(), data: { n: seq }, raw: null, ...over };
}

/** A tail whose listeners are called by the test. */
function fakeTail() {
  const listeners = new Set<(e: UnifiedEvent) => void>();
  const tail = {
    subscribe: (l: (e: UnifiedEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as EventTail;
  return { tail, listeners, emit: (e: UnifiedEvent) => listeners.forEach((l) => l(e)) };
}

/** A response that keeps every chunk object written to it (strings arrive as Buffers). */
function recordingResponse() {
  const writes: Buffer[] = [];
  const res = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk);
      done();
    },
  }) as unknown as ServerResponse;
  (res as unknown as { writeHead: () => void }).writeHead = () => {};
  const ids = () => writes.map(String).join('').match(/^id: \d+$/gm)?.map((l) => Number(l.slice(4))) ?? [];
  return { res, writes, ids };
}

const turn = () => new Promise((r) => setImmediate(r));
const options = (tail: EventTail) => ({ store, tail, clock: systemClock, heartbeatMs: 60_000, graceMs: 10_000, keepMs: 30_000 });

it('fans a turn of events out as one write per stream, the same bytes for streams with the same filter, each stream only its events', async () => {
  const { tail, listeners, emit } = fakeTail();
  const all = [recordingResponse(), recordingResponse()];
  const bounced = recordingResponse();
  const other = recordingResponse();
  const streams = [
    ...all.map((r) => new SseStream(r.res, { tenantId: 'acme', types: ['email.*'], providers: [] }, options(tail))),
    new SseStream(bounced.res, { tenantId: 'acme', types: ['email.bounced'], providers: [] }, options(tail)),
    new SseStream(other.res, { tenantId: 'globex', types: [], providers: [] }, options(tail)),
  ];
  for (const s of streams) await s.start(null);
  expect(listeners.size).toBe(1); // one tail listener for every stream
  const before = all.map((r) => r.writes.length);

  const batch = [liveEvent(), liveEvent({ type: 'email.bounced' }), liveEvent({ tenantId: 'globex' }), liveEvent({ type: 'payment.succeeded' }), liveEvent()];
  for (const e of batch) emit(e);
  emit(batch[1]!); // a second delivery of one event is dropped
  await turn();

  const [a, b] = all;
  expect(a!.writes.length - before[0]!).toBe(1);
  expect(b!.writes.length - before[1]!).toBe(1);
  expect(a!.writes.at(-1)).toBe(b!.writes.at(-1)); // the very same encoded bytes
  const emailAcme = batch.filter((e) => e.tenantId === 'acme' && e.type.startsWith('email.')).map((e) => e.seq);
  expect(a!.ids()).toEqual(emailAcme);
  expect(b!.ids()).toEqual(emailAcme);
  expect(bounced.ids()).toEqual([batch[1]!.seq]);
  expect(other.ids()).toEqual([batch[2]!.seq]);
  const frame = String(a!.writes.at(-1)).split('\n\n')[0]!;
  expect(frame).toBe(`id: ${batch[0]!.seq}\nevent: email.delivered\ndata: ${JSON.stringify({ ...batch[0]!, tenantId: undefined })}`);

  // A stream that joins after an event was taken does not get it; one that closes gets what was taken for it.
  emit(liveEvent());
  const late = recordingResponse();
  const lateStream = new SseStream(late.res, { tenantId: 'acme', types: [], providers: [] }, options(tail));
  await lateStream.start(null);
  const next = liveEvent();
  emit(next);
  streams[0]!.close();
  expect(a!.ids().slice(-2)).toEqual([seqBase - 1, next.seq]);
  await turn();
  expect(late.ids()).toEqual([next.seq]);
  for (const s of [...streams, lateStream]) s.close();
  expect(listeners.size).toBe(0); // the last stream gone, the tail is released
});

it('cuts off a live client that stops reading once 8 MiB wait unsent, without holding up the others', async () => {
  const { tail, emit } = fakeTail();
  const stuck = new Writable({ highWaterMark: 16 * 1024, write() {} }) as unknown as ServerResponse; // never completes a write
  (stuck as unknown as { writeHead: () => void }).writeHead = () => {};
  const reader = recordingResponse();
  const slow = new SseStream(stuck, { tenantId: 'acme', types: [], providers: [] }, options(tail));
  const fine = new SseStream(reader.res, { tenantId: 'acme', types: [], providers: [] }, options(tail));
  await slow.start(null);
  await fine.start(null);
  let ended = false;
  void slow.ended.then(() => (ended = true));
  const big = 'x'.repeat(64 * 1024);
  const sent: number[] = [];
  for (let i = 0; i < 200 && !ended; i++) {
    const e = liveEvent({ data: { big } });
    sent.push(e.seq);
    emit(e);
    await turn();
  }
  expect(ended).toBe(true);
  expect(stuck.writableLength).toBeGreaterThan(8 * 1024 * 1024);
  expect(stuck.writableLength).toBeLessThan(8 * 1024 * 1024 + 2 * 70 * 1024); // stopped right after the limit
  expect(sent.length).toBeLessThan(200);
  const more = liveEvent();
  emit(more);
  await turn();
  expect(reader.ids()).toEqual([...sent, more.seq]);
  fine.close();
});

it('cuts off a client whose replay stalls while more than 100,000 live events wait for it', async () => {
  const { tail, emit } = fakeTail();
  const r = await events.recordNow({ tenantId: 'stall', type: 'email.delivered', provider: 'sendgrid', occurredAt: Date.now(), data: { pad: 'x'.repeat(1000) }, raw: null });
  await events.recordNow({ tenantId: 'stall', type: 'email.delivered', provider: 'sendgrid', occurredAt: Date.now(), data: {}, raw: null });
  const stuck = new Writable({ highWaterMark: 16, write() {} }) as unknown as ServerResponse; // the first replay write fills it
  (stuck as unknown as { writeHead: () => void }).writeHead = () => {};
  const s = new SseStream(stuck, { tenantId: 'stall', types: [], providers: [] }, options(tail));
  void s.start(r!.seq - 1);
  let ended = false;
  void s.ended.then(() => (ended = true));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the replay is now waiting for a drain
  for (let i = 0; i < 100_000; i++) emit(liveEvent({ tenantId: 'stall' }));
  await turn();
  expect(ended).toBe(false); // 100,000 held: still within the bound
  emit(liveEvent({ tenantId: 'stall' }));
  await turn();
  expect(ended).toBe(true);
});

it('gives equal filter keys only to filters that select the same events', () => {
  const key = (types: string[], providers: string[] = [], tenantId = 'acme', since?: number) => filterKey({ tenantId, types, providers, since });
  expect(key(['email.*', 'payment.succeeded'])).toBe(key(['payment.succeeded', 'email.*', 'email.*']));
  expect(key(['email.*'])).not.toBe(key(['email.bounced']));
  expect(key(['email.*'], ['sendgrid'])).not.toBe(key(['email.*']));
  expect(key(['email.*'], [], 'globex')).not.toBe(key(['email.*']));
  expect(key(['email.*'], [], 'acme', 1)).not.toBe(key(['email.*']));
});

it('hands a multi-page replay over to live with no gap and no duplicate while live turns arrive during it and at the hand-over', async () => {
  const { tail, emit } = fakeTail();
  const pad = 'x'.repeat(500);
  const stored: UnifiedEvent[] = await store.write(async (trx) => {
    const out: UnifiedEvent[] = [];
    for (let i = 0; i < 1200; i++) out.push((await events.record(trx, { tenantId: 'handover', type: 'email.delivered', provider: 'sendgrid', occurredAt: Date.now(), data: { pad }, raw: null }))!);
    return out;
  });
  const last = stored[stored.length - 1]!;
  // Committed after the replay's last read: they only come live.
  const later = [1, 2, 3].map((k) => liveEvent({ tenantId: 'handover', seq: last.seq + k }));
  const chunks: string[] = [];
  let pageWrites = 0;
  const res = new Writable({
    highWaterMark: 1024, // every replay page fills it: the replay waits for a drain, live turns run meanwhile
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString();
      chunks.push(text);
      if (text.startsWith('id: ') && text.length > 100_000 && ++pageWrites === 1) {
        emit(stored[1100]!); // on a later page too: replayed and live
        emit(stored[10]!); // already replayed
        emit(later[0]!);
      }
      setImmediate(done);
    },
  }) as unknown as ServerResponse;
  (res as unknown as { writeHead: () => void }).writeHead = () => {};
  const s = new SseStream(res, { tenantId: 'handover', types: [], providers: [] }, options(tail));
  await s.start(stored[0]!.seq - 1);
  expect(pageWrites).toBe(3);
  emit(later[1]!); // taken at the hand-over, delivered on the next turn
  emit(stored[1199]!); // replayed, arriving late from the table poll
  await turn();
  emit(later[2]!);
  await turn();
  s.close();
  const ids = chunks.join('').match(/^id: \d+$/gm)!.map((l) => Number(l.slice(4)));
  expect(ids).toEqual([...stored, ...later].map((e) => e.seq));
});
