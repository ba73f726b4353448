/**
 * One Server-Sent Events stream: replay stored events after `Last-Event-ID`, then live ones from
 * the {@link EventTail}, with no gap and no duplicate between the two (the stream joins the live
 * fan-out before the replay starts; live events wait in a bounded hold and are de-duplicated by
 * `seq` against the replayed ones). Each event is `id: <seq>`, `event: <type>`, `data: <json>`;
 * a comment line every `heartbeatMs` keeps proxies from closing an idle connection.
 *
 * Live fan-out: the streams of one tail share a single tail listener. The events of one
 * event-loop turn are delivered together on the next turn (`setImmediate`): each event is
 * serialized once, the frames one filter selects are joined and encoded once, and those same
 * bytes go to every stream with that filter — one write per stream per turn, not one per event.
 *
 * Slow clients: a live stream whose unsent output passes 8 MiB is closed; during a replay the
 * replay waits for the client, and more than 100,000 live events held meanwhile close it. In
 * both cases the client resumes with `Last-Event-ID`.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { UnifiedEvent } from './event-store.js';
import { filterKey, matchesFilter, queryEvents, toApiEvent, type EventFilter } from './filter.js';
import type { EventTail } from './tail.js';

export interface SseOptions {
  store: Store;
  tail: EventTail;
  clock: Clock;
  heartbeatMs: number;
  /** The tail's commit grace: replayed events this recent may also arrive live. */
  graceMs: number;
  /** How long a replayed `seq` is remembered for de-duplication once live. */
  keepMs: number;
  logger?: Logger;
}

const REPLAY_PAGE = 500;
/** A live client this far behind is cut off (it resumes with Last-Event-ID). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Live events held for a stream while its replay runs; past this it is cut off (it resumes). */
export const MAX_HELD_EVENTS = 100_000;
/** How many recent seqs the fan-out remembers to drop a second delivery of an event. */
const DEDUPE_WINDOW = 10_000;

/**
 * Format one SSE message.
 *
 * @example
 * formatSse(event) // 'id: 42\nevent: email.bounced\ndata: {"id":"evt_…",…}\n\n'
 */
export function formatSse(event: UnifiedEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(toApiEvent(event))}\n\n`;
}

/** The frames (or the encoded frames of one filter) of the events a fan-out turn delivers. */
interface Turn {
  events: UnifiedEvent[];
  frame(i: number): string;
  /** Filter key → the bytes of the frames it selects (null: none). */
  shared: Map<string, Buffer | null>;
}

/** The live side of every stream on one tail: one tail listener, one write per stream per turn. */
class Fanout {
  private readonly streams = new Set<SseStream>();
  private pending: UnifiedEvent[] = [];
  /** Events taken from the tail so far: the index the next one gets. */
  private received = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Recent seqs (insertion order), to drop a second delivery of the same event. */
  private readonly recentSeqs = new Set<number>();

  constructor(
    private readonly tail: EventTail,
    private readonly logger?: Logger,
  ) {}

  /** Add `stream`; it gets the events taken from now on. Returns the index of its first one. */
  join(stream: SseStream): number {
    this.streams.add(stream);
    this.unsubscribe ??= this.tail.subscribe((e) => this.take(e));
    return this.received;
  }

  leave(stream: SseStream): void {
    if (!this.streams.delete(stream) || this.streams.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.pending = [];
    this.recentSeqs.clear();
  }

  /** The events taken but not yet delivered that a stream which joined at `joinedAt` should get. */
  undelivered(joinedAt: number): UnifiedEvent[] {
    return this.pending.slice(Math.max(0, joinedAt - (this.received - this.pending.length)));
  }

  private take(event: UnifiedEvent): void {
    if (this.recentSeqs.has(event.seq)) return;
    this.recentSeqs.add(event.seq);
    if (this.recentSeqs.size > DEDUPE_WINDOW) this.recentSeqs.delete(this.recentSeqs.values().next().value!);
    this.pending.push(event);
    this.received++;
    this.scheduled ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = undefined;
    const events = this.pending;
    this.pending = [];
    const base = this.received - events.length;
    const frames: (string | undefined)[] = new Array<string | undefined>(events.length);
    const turn: Turn = { events, frame: (i) => (frames[i] ??= formatSse(events[i]!)), shared: new Map() };
    for (const stream of this.streams) {
      try {
        stream.receive(turn, Math.max(0, stream.joinedAt - base));
      } catch (err) {
        this.logger?.error({ err }, 'events: SSE delivery failed; closing the stream');
        stream.close();
      }
    }
  }
}

const fanouts = new WeakMap<EventTail, Fanout>();
function fanoutOf(tail: EventTail, logger?: Logger): Fanout {
  let f = fanouts.get(tail);
  if (!f) fanouts.set(tail, (f = new Fanout(tail, logger)));
  return f;
}

export class SseStream {
  /** Live events waiting while the replay runs; null once live. */
  private held: UnifiedEvent[] | null = [];
  /** Replayed seqs that might arrive again live → when sent (clock ms). */
  private readonly recent = new Map<number, number>();
  private closed = false;
  private overflowed = false;
  private readonly key: string;
  private readonly fanout: Fanout;
  /** The fan-out index of the first live event for this stream (set by {@link start}). */
  joinedAt = Infinity;
  private heartbeat: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly res: ServerResponse,
    private readonly filter: EventFilter,
    private readonly options: SseOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.key = filterKey(filter);
    this.fanout = fanoutOf(options.tail, options.logger);
  }

  /** Resolves when the stream has ended (client gone, overflow or {@link close}). */
  get ended(): Promise<void> {
    return this.done;
  }

  /**
   * Send the headers, replay after `lastSeq` (null: live only), then go live.
   *
   * @example
   * await new SseStream(reply.raw, filter, options).start(41);
   */
  async start(lastSeq: number | null, headers: Record<string, string> = {}): Promise<void> {
    const { res, options } = this;
    if (this.closed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', ...headers });
    res.write('retry: 2000\n\n');
    res.on('close', () => this.close());
    const subscribedAt = options.clock.now();
    this.joinedAt = this.fanout.join(this);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), options.heartbeatMs);
    try {
      if (lastSeq !== null) await this.replay(lastSeq, subscribedAt);
    } catch (err) {
      options.logger?.error({ err }, 'events: SSE replay failed');
      return this.close();
    }
    const held = (this.held ?? []).sort((a, b) => a.seq - b.seq);
    this.held = null;
    this.write(this.framesOf(held));
    this.pruner = setInterval(() => this.prune(), Math.max(100, Math.floor(options.keepMs / 2)));
  }

  /** End the stream (idempotent); live events already taken for it are written first. */
  close(): void {
    if (this.closed) return;
    if (this.held === null && !this.overflowed && !this.res.destroyed) this.write(this.framesOf(this.fanout.undelivered(this.joinedAt)));
    this.closed = true;
    this.fanout.leave(this);
    clearInterval(this.heartbeat);
    clearInterval(this.pruner);
    this.recent.clear();
    if (!this.res.writableEnded) this.res.end();
    this.resolveDone();
  }

  /** Take a fan-out turn's events from index `from` on (called by the fan-out). */
  receive(turn: Turn, from: number): void {
    if (this.closed) return;
    const { events } = turn;
    if (this.held) {
      for (let i = from; i < events.length; i++) if (matchesFilter(events[i]!, this.filter)) this.held.push(events[i]!);
      if (this.held.length > MAX_HELD_EVENTS) {
        this.options.logger?.warn({ held: this.held.length }, 'events: SSE client too slow to replay; closing (it resumes with Last-Event-ID)');
        this.overflowed = true;
        this.close();
      }
      return;
    }
    if (from === 0 && this.recent.size === 0) {
      // The common case: the same bytes as every other stream with this filter.
      let bytes = turn.shared.get(this.key);
      if (bytes === undefined) {
        let text = '';
        for (let i = 0; i < events.length; i++) if (matchesFilter(events[i]!, this.filter)) text += turn.frame(i);
        bytes = text ? Buffer.from(text, 'utf8') : null;
        turn.shared.set(this.key, bytes);
      }
      if (bytes) this.write(bytes);
      return;
    }
    let text = '';
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (matchesFilter(e, this.filter) && !this.recent.has(e.seq)) text += turn.frame(i);
    }
    this.write(text);
  }

  /** The frames of `events` this stream selects and has not replayed, as one string. */
  private framesOf(events: UnifiedEvent[]): string {
    let text = '';
    for (const e of events) if (matchesFilter(e, this.filter) && !this.recent.has(e.seq)) text += formatSse(e);
    return text;
  }

  private async replay(lastSeq: number, subscribedAt: number): Promise<void> {
    // Only events recorded about when we subscribed can come again from the tail.
    const recentFrom = subscribedAt - 2 * this.options.graceMs;
    for (let after = lastSeq; !this.closed; ) {
      const page = await queryEvents(this.options.store.db, this.filter, { order: 'asc', limit: REPLAY_PAGE, afterSeq: after });
      if (this.closed) return;
      let text = '';
      for (const e of page) {
        if (Date.parse(e.receivedAt) >= recentFrom) this.recent.set(e.seq, this.options.clock.now());
        text += formatSse(e);
      }
      if (!this.write(text) && !this.closed) await this.drained();
      if (page.length < REPLAY_PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /** Write; false when the socket buffer is full. Ends a live stream whose client fell too far behind. */
  private write(chunk: string | Buffer): boolean {
    if (this.closed || this.res.writableEnded) return false;
    if (chunk.length === 0) return true;
    const ok = this.res.write(chunk);
    if (!ok && this.held === null && this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.options.logger?.warn({ buffered: this.res.writableLength }, 'events: SSE client too slow; closing (it resumes with Last-Event-ID)');
      this.overflowed = true;
      this.close();
    }
    return ok;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        this.res.off('drain', finish);
        this.res.off('close', finish);
        resolve();
      };
      this.res.once('drain', finish);
      this.res.once('close', finish);
    });
  }

  private prune(): void {
    if (this.recent.size === 0) return;
    const before = this.options.clock.now() - this.options.keepMs;
    for (const [seq, at] of this.recent) if (at < before) this.recent.delete(seq);
  }
}
