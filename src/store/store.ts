/**
 * The store: Kysely over SQLite (embedded default, WAL) or PostgreSQL.
 *
 * Durability is never traded for speed: every acknowledged write is committed with fsync. Speed
 * comes from group commit — writes issued in the same event-loop turn (or while a commit is in
 * flight) share one transaction. See {@link Store.write}. On SQLite the commit's fsync runs on the
 * thread pool (`wal-sync.ts`: `synchronous = NORMAL` plus an fdatasync of the WAL before anything
 * is acknowledged), so the next group's statements run while one group syncs; on PostgreSQL
 * several groups are in flight at once, each on a pooled connection, so a group's round trips and
 * fsync do not hold up the next one.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type Transaction } from 'kysely';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { WalSync, durableSqliteDialect, type SyncFn } from './wal-sync.js';
import pg from 'pg';
import { migrations as allMigrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type { Dialect } from './schema.js';
import type { Dialect } from './schema.js';
export type Trx = Transaction<Database>;
export type Db = Kysely<Database>;

export interface StoreOptions {
  /** `postgres://…`, `sqlite:/path/file.db`, `file:/path`; absent: `<dataDir>/switchboard.db`. */
  databaseUrl?: string;
  dataDir?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite: the WAL's fdatasync (default fs.fdatasync; tests inject a slow or failing one). */
  syncWal?: SyncFn;
  /** Most operations one group commit carries (default 256). */
  maxBatch?: number;
  /**
   * Migrations beyond the hub's own (each category's tables: `CategoryDefinition.migrations`),
   * named `<category>-NNN-what`; each category's run after the hub's, in name order, with a
   * history table of their own (`kysely_migration_<category>`).
   */
  migrations?: Record<string, (dialect: Dialect) => Migration>;
  /** Group commits in flight at once (PostgreSQL default: half the pool, at least 1; SQLite default 4: one executes while the others sync). */
  maxInFlight?: number;
}

interface PendingWrite {
  fn: (trx: Trx) => Promise<unknown>;
  /** Resolve at COMMIT, not after the fsync (see {@link WriteOptions.durable}). */
  atCommit: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

// int8 (bigint) columns hold epoch milliseconds: well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Open the store and run migrations.
 *
 * @example
 * const store = await openStore({ dataDir: './data' });
 * await store.write((trx) => trx.insertInto('batches').values(row).execute());
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const store = new Store(options);
  await store.migrate();
  return store;
}

export class Store {
  readonly db: Db;
  readonly dialect: Dialect;
  /** Human-readable location (file path or database URL without password). */
  readonly location: string;
  private readonly maxBatch: number;
  private readonly extraMigrations: NonNullable<StoreOptions['migrations']>;
  private readonly maxInFlight: number;
  private pending: PendingWrite[] = [];
  /** Group commits in flight. */
  private readonly flushing = new Set<Promise<void>>();
  private scheduled = false;
  /** SQLite on a file: the fdatasync of its WAL, awaited before a write resolves. */
  private readonly wal: WalSync | undefined;
  private sqlite: SQLite.Database | undefined;
  /** SQLite on a file: checkpoints run in a worker thread (checkpointer.ts). */
  private checkpointer: Promise<Checkpointer> | undefined;

  constructor(options: StoreOptions = {}) {
    const url = options.databaseUrl;
    this.maxBatch = options.maxBatch ?? 256;
    this.extraMigrations = options.migrations ?? {};
    if (url && /^postgres(ql)?:/.test(url)) {
      this.dialect = 'postgres';
      this.location = url.replace(/:[^:@/]*@/, ':***@');
      const poolSize = options.poolSize ?? 10;
      // Half the pool: the other half stays free for reads and the queue's own transactions.
      this.maxInFlight = Math.max(1, options.maxInFlight ?? Math.floor(poolSize / 2));
      const pool = new pg.Pool({ connectionString: url, max: poolSize });
      this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    } else {
      this.dialect = 'sqlite';
      this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
      const file = url ? url.replace(/^(sqlite|file):(\/\/)?/, '') : join(options.dataDir ?? './data', 'switchboard.db');
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.location = file;
      const sqlite = new SQLite(file);
      sqlite.pragma('busy_timeout = 5000'); // first: switching to WAL waits for another process too
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      cacheStatements(sqlite);
      this.sqlite = sqlite;
      if (file === ':memory:') {
        this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
      } else {
        // FULL minus the fsync inside COMMIT, which wal-sync.ts does on the thread pool before a
        // write resolves (see there); `openWal()` goes back to FULL if the WAL cannot be opened.
        sqlite.pragma('synchronous = NORMAL');
        this.wal = new WalSync(`${file}-wal`, options.syncWal);
        this.db = new Kysely<Database>({ dialect: durableSqliteDialect(sqlite, this.wal) });
      }
    }
  }

  /** Apply pending migrations (idempotent; safe with several processes, on PostgreSQL and SQLite). */
  async migrate(): Promise<string[]> {
    // The hub's own history in `kysely_migration`; each category's in a table of its own
    // (`kysely_migration_sms`), so a process that opens the store without a category (a CLI
    // command, an older build) neither runs nor trips over its migrations.
    const histories = new Map<string, Record<string, Migration>>([['', allMigrations(this.dialect)]]);
    for (const [name, m] of Object.entries(this.extraMigrations)) {
      const owner = name.split('-')[0]!;
      if (!/^[a-z][a-z0-9_]*$/.test(owner)) throw new Error(`migration "${name}": name it "<category>-NNN-what"`);
      histories.set(owner, { ...histories.get(owner), [name]: m(this.dialect) });
    }
    const run = async (db: Db, options: { migrationTableSchema?: string; disableTransactions?: boolean }) => {
      const applied: string[] = [];
      for (const [owner, migrations] of histories) {
        const table = owner ? { migrationTableName: `kysely_migration_${owner}`, migrationLockTableName: `kysely_migration_lock_${owner}` } : {};
        const { error, results } = await new Migrator({ db, ...options, ...table, provider: { getMigrations: async () => migrations } }).migrateToLatest();
        if (error) throw error;
        applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
      }
      return applied;
    };
    if (this.dialect === 'sqlite') {
      // Kysely's SQLite migration lock is a no-op and its transaction a deferred BEGIN: two
      // processes opening a fresh file at once both saw "nothing applied" and the second failed
      // with "table already exists". BEGIN IMMEDIATE takes the write lock first (waiting up to
      // busy_timeout), so the second process sees the first one's finished migration.
      const applied = await this.db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const applied = await run(conn, { disableTransactions: true });
          await sql`commit`.execute(conn);
          return applied;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => {});
          throw err;
        }
      });
      this.openWal();
      await this.wal?.durable();
      if (this.wal) this.checkpointer ??= startCheckpointer(this.sqlite!, this.location);
      await this.checkpointer;
      return applied;
    }
    // Kysely checks "does the migration table exist" across every schema unless told which one: a
    // database where another schema (another app, another hub) has Kysely tables would skip
    // creating ours and then fail. Pin the migration tables to the schema this connection uses.
    const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(this.db);
    return run(this.db, { migrationTableSchema: current.rows[0]?.schema ?? undefined });
  }

  /**
   * Run `fn` in a transaction shared with the other writes of this moment (group commit), and
   * resolve once that transaction is durably committed (or, with `durable: false`, committed).
   *
   * `fn` must only touch the database (it may be run a second time, alone, if another write of
   * its group fails) and should use `onConflict(...doNothing())` for expected duplicates.
   */
  write<T>(fn: (trx: Trx) => Promise<T>, options?: WriteOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, atCommit: options?.durable === false, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** A transaction of its own (for long or conditional work that must not share a group); resolves once durable. */
  async transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute(fn);
    await this.wal?.durable();
    return result;
  }

  /**
   * Open the WAL file for wal-sync.ts. Should that fail (it exists once SQLite is in WAL mode),
   * go back to `synchronous = FULL`, where each COMMIT syncs on the main thread as before.
   */
  private openWal(): void {
    if (!this.wal) return;
    try {
      this.wal.open();
    } catch (err) {
      this.sqlite!.pragma('synchronous = FULL');
      this.wal.bypass();
      process.emitWarning(`SQLite: cannot open ${this.location}-wal (${(err as Error).message}); commits sync on the main thread (synchronous=FULL)`);
    }
  }

  async close(): Promise<void> {
    while (this.flushing.size > 0 || this.pending.length > 0) {
      if (this.flushing.size === 0) this.flush();
      await Promise.all(this.flushing);
    }
    await this.wal?.durable().catch(() => {}); // a failed sync was already each writer's error
    await (await this.checkpointer)?.stop();
    await this.db.destroy();
    this.wal?.close();
  }

  /**
   * Writes wait for the end of this event-loop turn (setImmediate), or, when every slot is
   * committing, for a commit to finish: they gather into the next group meanwhile. On SQLite (one
   * connection) a group takes the writes waiting at the moment it gets the connection, so one
   * that waited for another group's statements carries everything that arrived meanwhile.
   */
  private schedule(): void {
    if (this.scheduled || this.flushing.size >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    // PostgreSQL: each group has a connection of its own, so it takes its writes now (taking them
    // later, several groups waiting for connections would find nothing left and commit nothing).
    const early = this.dialect === 'postgres' ? this.pending.splice(0, this.maxBatch) : undefined;
    const commit: Promise<void> = this.commitGroup(early).finally(() => {
      this.flushing.delete(commit);
      if (this.pending.length > 0) this.schedule();
    });
    this.flushing.add(commit);
    if (this.pending.length > 0) this.schedule();
  }

  private async commitGroup(early?: PendingWrite[]): Promise<void> {
    let group: PendingWrite[] = early ?? [];
    let results: unknown[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        if (!early) group = this.pending.splice(0, this.maxBatch);
        if (group.length === 0) throw NOTHING_TO_DO; // another group took them: roll back, nothing to sync
        // PostgreSQL flushes its WAL inside COMMIT; a group that waits for no flush skips it.
        if (this.dialect === 'postgres' && group.every((op) => op.atCommit)) await sql`set local synchronous_commit = off`.execute(trx);
        const out: unknown[] = [];
        for (const op of group) out.push(await op.fn(trx));
        return out;
      });
    } catch (err) {
      if (err === NOTHING_TO_DO) return;
      // No transaction (the database is unreachable): the writes it would have taken fail with it.
      if (group.length === 0) group = this.pending.splice(0, this.maxBatch);
      if (group.length === 1) return group[0]!.reject(err);
      // One write failed and took the group down: run each alone so only the bad one fails.
      for (const op of group) {
        try {
          op.resolve(await this.transaction(op.fn));
        } catch (e) {
          op.reject(e);
        }
      }
      return;
    }
    group.forEach((op, i) => op.atCommit && op.resolve(results[i]));
    if (group.every((op) => op.atCommit)) return;
    try {
      await this.wal?.durable();
    } catch (err) {
      for (const op of group) if (!op.atCommit) op.reject(err); // committed but not known to be on disk: never acknowledged
      return;
    }
    group.forEach((op, i) => !op.atCommit && op.resolve(results[i]));
  }
}

const NOTHING_TO_DO = Symbol('no pending writes');

export interface WriteOptions {
  /**
   * `false`: resolve once committed, without waiting for the fsync (SQLite: the WAL's fdatasync;
   * PostgreSQL: `synchronous_commit = off` for a group of such writes only). The write survives a
   * crash of this process (kill -9) at once, and a power loss once the next durable write or sync
   * completes. Only for a write nobody is told about before a later durable write resolves: the
   * row a send records before calling the provider, whose answer is acknowledged after a durable
   * write (the fsync that one waits for covers every earlier commit).
   */
  durable?: boolean;
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep the prepared
 * ones by SQL text (the hub issues a few dozen distinct statements).
 */
function cacheStatements(sqlite: SQLite.Database, max = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}
