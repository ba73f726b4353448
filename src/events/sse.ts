/**
 * One Server-Sent Events stream: replay stored events after `Last-Event-ID`, then live ones from
 * the {@link EventTail}, with no gap and no duplicate between the two (the tail is subscribed
 * before the replay starts; live events wait in a buffer and are de-duplicated by `seq`).
 * Each event is `id: <seq>`, `event: <type>`, `data: <json>`; a comment line every
 * `heartbeatMs` keeps proxies from closing an idle connection.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { UnifiedEvent } from './event-store.js';
import { matchesFilter, queryEvents, toApiEvent, type EventFilter } from './filter.js';
import type { EventTail } from './tail.js';

export interface SseOptions {
  store: Store;
  tail: EventTail;
  clock: Clock;
  heartbeatMs: number;
  /** The tail's commit grace: replayed events this recent may also arrive live. */
  graceMs: number;
  /** How long a sent `seq` is remembered for de-duplication once live. */
  keepMs: number;
  logger?: Logger;
}

const REPLAY_PAGE = 500;
/** A client this far behind is cut off (it resumes with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Format one SSE message.
 *
 * @example
 * formatSse(event) // 'id: 42\nevent: email.bounced\ndata: {"id":"evt_…",…}\n\n'
 */
export function formatSse(event: UnifiedEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(toApiEvent(event))}\n\n`;
}

export class SseStream {
  private buffer: UnifiedEvent[] | null = [];
  /** Sent seqs that might arrive again live → when sent (clock ms). */
  private readonly recent = new Map<number, number>();
  private closed = false;
  private unsubscribe: (() => void) | undefined;
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
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', ...headers });
    res.write('retry: 2000\n\n');
    res.on('close', () => this.close());
    const subscribedAt = options.clock.now();
    this.unsubscribe = options.tail.subscribe((e) => this.onLive(e));
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), options.heartbeatMs);
    try {
      if (lastSeq !== null) await this.replay(lastSeq, subscribedAt);
    } catch (err) {
      options.logger?.error({ err }, 'events: SSE replay failed');
      return this.close();
    }
    const buffered = (this.buffer ?? []).sort((a, b) => a.seq - b.seq);
    this.buffer = null;
    for (const e of buffered) this.deliver(e);
    this.pruner = setInterval(() => this.prune(), Math.max(100, Math.floor(options.keepMs / 2)));
  }

  /** End the stream (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    clearInterval(this.pruner);
    this.recent.clear();
    if (!this.res.writableEnded) this.res.end();
    this.resolveDone();
  }

  private onLive(event: UnifiedEvent): void {
    if (this.closed || !matchesFilter(event, this.filter)) return;
    if (this.buffer) this.buffer.push(event);
    else this.deliver(event);
  }

  private deliver(event: UnifiedEvent): void {
    if (this.recent.has(event.seq)) return;
    this.recent.set(event.seq, this.options.clock.now());
    this.write(formatSse(event));
  }

  private async replay(lastSeq: number, subscribedAt: number): Promise<void> {
    // Only events recorded about when we subscribed can come again from the tail.
    const recentFrom = subscribedAt - 2 * this.options.graceMs;
    for (let after = lastSeq; !this.closed; ) {
      const page = await queryEvents(this.options.store.db, this.filter, { order: 'asc', limit: REPLAY_PAGE, afterSeq: after });
      for (const e of page) {
        if (this.closed) return;
        if (Date.parse(e.receivedAt) >= recentFrom) this.recent.set(e.seq, this.options.clock.now());
        if (!this.write(formatSse(e))) await this.drained();
      }
      if (page.length < REPLAY_PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /** Write; false when the socket buffer is full. Ends a live stream whose client fell too far behind. */
  private write(chunk: string): boolean {
    if (this.closed || this.res.writableEnded) return false;
    const ok = this.res.write(chunk);
    if (!ok && this.buffer === null && this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.options.logger?.warn({ buffered: this.res.writableLength }, 'events: SSE client too slow; closing (it resumes with Last-Event-ID)');
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
    const before = this.options.clock.now() - this.options.keepMs;
    for (const [seq, at] of this.recent) if (at < before) this.recent.delete(seq);
  }
}
