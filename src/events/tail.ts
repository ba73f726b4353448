/**
 * The live tail of the event table for one process: events published by this process (at once)
 * merged with events other processes committed to the same database (polled every `pollMs`),
 * each handed to the listeners exactly once. Runs only while someone listens (SSE streams).
 *
 * Why not just `seq > last`: on PostgreSQL a transaction holding seq 9 may commit after one
 * holding seq 10. The tail therefore re-reads the `seq`s above a *horizon* and remembers what it
 * has seen; the horizon only passes a seq `graceMs` after a higher one was seen, so a commit that
 * lands within `graceMs` of its insert is never skipped. Only `seq`s are re-read; full rows are
 * fetched for unseen ones.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import { rowToEvent, type EventStore, type UnifiedEvent } from './event-store.js';

export interface TailOptions {
  /** How often the table is read for other processes' events (default 1000). */
  pollMs: number;
  /** Longest expected time between an event's insert and its commit (default 10000). */
  graceMs: number;
  clock: Clock;
  logger?: Logger;
}

type Listener = (event: UnifiedEvent) => void;

const PAGE = 1000;
const SEED = 10_000;

export class EventTail {
  private readonly listeners = new Set<Listener>();
  /** seq → when this process first saw it (clock ms); only seqs above the horizon. */
  private readonly seen = new Map<number, number>();
  private horizon = 0;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private unsubscribeBus: (() => void) | undefined;
  /** Bumped by start/stop: work of an earlier run is dropped. */
  private generation = 0;

  constructor(
    private readonly events: EventStore,
    private readonly store: Store,
    private readonly options: TailOptions,
  ) {}

  /**
   * Listen to every newly committed event (all tenants); returns the unsubscribe function.
   *
   * @example
   * const stop = tail.subscribe((e) => console.warn(e.seq, e.type));
   */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  /** Stop polling (hub close); listeners are kept but hear nothing more. */
  async stop(): Promise<void> {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribeBus?.();
    this.unsubscribeBus = undefined;
    this.ready = false;
    this.seen.clear();
    this.horizon = 0;
    await this.polling;
  }

  private start(): void {
    const generation = ++this.generation;
    // The bus first: nothing published from here on is missed while the seed query runs.
    this.unsubscribeBus = this.events.subscribe((e) => this.offer(e));
    this.run(generation, () => this.seed(generation));
  }

  private run(generation: number, work: () => Promise<void>): void {
    const p = work()
      .catch((err: unknown) => this.options.logger?.error({ err }, 'events: tail read failed'))
      .finally(() => {
        if (this.polling === p) this.polling = null;
        if (generation !== this.generation) return;
        this.timer = setTimeout(() => this.run(generation, () => this.poll(generation)), this.options.pollMs);
      });
    this.polling = p;
  }

  private offer(event: UnifiedEvent): void {
    if (event.seq <= this.horizon || this.seen.has(event.seq)) return;
    this.seen.set(event.seq, this.options.clock.now());
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger?.error({ err }, 'events: tail listener failed');
      }
    }
  }

  /** Events already committed are history (the streams replay them): mark, don't emit. */
  private async seed(generation: number): Promise<void> {
    const now = this.options.clock.now();
    const rows = await this.store.db.selectFrom('events').select(['seq', 'received_at']).orderBy('seq', 'desc').limit(SEED).execute();
    if (generation !== this.generation) return;
    let horizon = rows.length > 0 ? Number(rows[rows.length - 1]!.seq) - 1 : 0;
    for (const row of rows) {
      if (Number(row.received_at) < now - this.options.graceMs) {
        horizon = Number(row.seq);
        break;
      }
      if (!this.seen.has(Number(row.seq))) this.seen.set(Number(row.seq), now);
    }
    this.horizon = Math.max(this.horizon, horizon);
    for (const seq of this.seen.keys()) if (seq <= this.horizon) this.seen.delete(seq);
    this.ready = true;
  }

  private async poll(generation: number): Promise<void> {
    if (!this.ready) return this.seed(generation);
    const startedAt = this.options.clock.now();
    const unseen: number[] = [];
    for (let after = this.horizon; ; ) {
      const rows = await this.store.db.selectFrom('events').select('seq').where('seq', '>', after).orderBy('seq').limit(PAGE).execute();
      for (const r of rows) if (!this.seen.has(Number(r.seq))) unseen.push(Number(r.seq));
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
    for (let i = 0; i < unseen.length; i += 500) {
      const rows = await this.store.db.selectFrom('events').selectAll().where('seq', 'in', unseen.slice(i, i + 500)).orderBy('seq').execute();
      if (generation !== this.generation) return;
      for (const row of rows) this.offer(rowToEvent(row));
    }
    if (generation !== this.generation) return;
    // Every seq below one seen `graceMs` before this read was committed (or abandoned) by then,
    // and this read saw all commits above the old horizon.
    let horizon = this.horizon;
    for (const [seq, at] of this.seen) if (at <= startedAt - this.options.graceMs && seq > horizon) horizon = seq;
    this.horizon = horizon;
    for (const seq of this.seen.keys()) if (seq <= horizon) this.seen.delete(seq);
  }
}
