/**
 * SQLite commits made durable off the main thread.
 *
 * With `synchronous = FULL`, SQLite in WAL mode calls fsync on the WAL inside every COMMIT, and
 * better-sqlite3 runs on the main thread: the event loop stood still for each fsync (~2 ms here),
 * a third of the busy time of webhook ingest. `synchronous = NORMAL` is FULL without that one
 * fsync (SQLite still syncs the WAL before each checkpoint and the database after it). This module
 * puts the fsync back, on libuv's thread pool: after a commit, `fdatasync` of the WAL file, and the
 * write is acknowledged only when an fdatasync started after its COMMIT has completed. What is
 * acknowledged is exactly as durable as with FULL; meanwhile the event loop keeps serving, and the
 * next group's statements run while the previous group's fdatasync is in flight. Concurrent
 * commits share one fdatasync (group commit across groups).
 *
 * The one difference from FULL: for the ~2 ms of an fdatasync, a reader can see a commit that is
 * not yet durable. A process crash (kill -9) loses nothing (the written WAL is in the OS); only a
 * power loss in that window could take back rows a read saw, never rows a write acknowledged.
 *
 * Commit sequence numbers: each commit takes the next number; an fdatasync started when the
 * latest number was N makes 1..N durable when it completes (a few may run at once: a commit made
 * while one runs starts its own rather than queueing behind it). `durable(n)` waits for that.
 */
import { fdatasync, openSync, closeSync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';

export type SyncFn = (fd: number, done: (err: Error | null) => void) => void;

export class WalSync {
  private committed = 0;
  private synced = 0;
  /** The latest commit an fdatasync already started covers. */
  private started = 0;
  private running = 0;
  private fd: number | undefined;
  private failed: Error | undefined;
  private bypassed = false;
  private readonly waiters: { seq: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  /**
   * @param walFile the `-wal` file of the database
   * @param sync fs.fdatasync unless a test injects one
   * @param maxRunning fdatasyncs at once: a commit made while one runs starts its own at once (up to
   *   this many), instead of waiting for the running one to end and then for its own.
   */
  constructor(
    private readonly walFile: string,
    private readonly sync: SyncFn = fdatasync,
    private readonly maxRunning = 3,
  ) {}

  /** Open the WAL file (SQLite creates it when a connection in WAL mode first reads or writes). */
  open(): void {
    this.fd ??= openSync(this.walFile, 'r');
  }

  /** The WAL file could not be opened: the connection went back to `synchronous = FULL`, nothing to wait for. */
  bypass(): void {
    this.bypassed = true;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** A commit just happened: it takes the next number, and an fdatasync starts if a slot is free. */
  committedNow(): number {
    const seq = ++this.committed;
    this.kick();
    return seq;
  }

  /** Resolves when commit `seq` (default: every commit so far) is on disk. */
  durable(seq = this.committed): Promise<void> {
    if (this.bypassed) return Promise.resolve();
    if (this.failed) return Promise.reject(this.failed);
    if (seq <= this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.kick();
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private kick(): void {
    if (this.running >= this.maxRunning || this.started >= this.committed || this.failed || this.bypassed) return;
    this.running++;
    // fdatasync flushes everything written to the file before it was called: commits up to `target`.
    const target = (this.started = this.committed);
    this.open();
    this.sync(this.fd!, (err) => {
      this.running--;
      if (err) {
        // fsync failing is not retryable (the kernel may have dropped the dirty pages): every
        // waiter and every later write fails, as PostgreSQL panics on it.
        this.failed ??= new Error(`fdatasync of ${this.walFile} failed: ${err.message}; writes since the last good sync may be lost: restart the hub`);
        for (const w of this.waiters.splice(0)) w.reject(this.failed);
        return;
      }
      // Several may run at once and end in any order: each makes its own target durable.
      if (target > this.synced) this.synced = target;
      let kept = 0;
      for (const w of this.waiters) {
        if (w.seq <= this.synced) w.resolve();
        else this.waiters[kept++] = w;
      }
      this.waiters.length = kept;
      this.kick();
    });
  }
}

/** A statement that cannot have changed the database's content (no fdatasync needed after it). */
function readOnly(query: CompiledQuery): boolean {
  if (query.query?.kind === 'SelectQueryNode') return true;
  return /^\s*(select|begin|rollback|savepoint|release|explain)\b/i.test(query.sql) || /^\s*pragma\s+[\w.]+\s*(\(|$)/i.test(query.sql);
}

/**
 * A Kysely SQLite dialect whose commits are counted by `wal`: a transaction's COMMIT takes a number
 * (the store waits for it after releasing the connection, see Store), and a write outside any
 * transaction (autocommit) waits for its own fdatasync before it resolves.
 */
export function durableSqliteDialect(sqlite: SQLite.Database, wal: WalSync): SqliteDialect {
  class Durable extends SqliteDriver {
    /** SQLite has one connection: wrapped once, on first use. */
    private wrapped: DatabaseConnection | undefined;

    override async acquireConnection(): Promise<DatabaseConnection> {
      const inner = await super.acquireConnection();
      return (this.wrapped ??= {
        async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
          const result = await inner.executeQuery<R>(query);
          if (sqlite.inTransaction || readOnly(query)) return result;
          const seq = wal.committedNow();
          // A transaction's COMMIT: the store waits after releasing the connection, so the next
          // group runs while this one syncs. Any other write outside a transaction waits here.
          if (!/^\s*commit\b/i.test(query.sql)) await wal.durable(seq);
          return result;
        },
        streamQuery: inner.streamQuery.bind(inner),
      });
    }
  }
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new Durable({ database: sqlite });
    }
  })({ database: sqlite });
}
