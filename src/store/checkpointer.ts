/**
 * SQLite checkpoints off the main thread.
 *
 * In WAL mode SQLite copies the WAL back into the database file every 1,000 pages, inside the
 * COMMIT that crosses the mark, on the connection that made it: better-sqlite3 runs on the main
 * thread, so that commit held the event loop for the copy and its two fsyncs (tens of ms under
 * load). Here the hub's connection never checkpoints (`wal_autocheckpoint = 0`); a worker thread
 * with a connection of its own runs `wal_checkpoint(PASSIVE)` every `intervalMs` (cheap when there
 * is nothing to copy; it never blocks the writer). Durability is SQLite's own: the checkpoint syncs
 * the WAL before copying and the database after.
 *
 * Should the worker fail to start or die, the hub's connection checkpoints itself again (a warning
 * says so), so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
let stopped = false;
const step = () => {
  if (stopped) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (!/SQLITE_BUSY|database is locked/.test(String(err && err.message))) throw err;
  }
};
const timer = setInterval(step, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { stopped = true; clearInterval(timer); db.close(); parentPort.close(); }
});
parentPort.postMessage('ready');
`;

export interface Checkpointer {
  /** The worker thread (absent when it could not start). */
  worker?: Worker;
  /** Stop the worker (before the hub's connection closes; its close makes the final checkpoint). */
  stop(): Promise<void>;
}

/**
 * Start checkpointing `file` from a worker thread and stop the hub connection's own checkpoints.
 *
 * @example
 * const cp = await startCheckpointer(sqlite, '/data/switchboard.db'); … await cp.stop();
 */
export async function startCheckpointer(sqlite: SQLite.Database, file: string, options: { intervalMs?: number; warn?: (msg: string) => void } = {}): Promise<Checkpointer> {
  const warn = options.warn ?? ((msg: string) => process.emitWarning(msg));
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, module, intervalMs: options.intervalMs ?? 200 } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  } catch (err) {
    await worker.terminate();
    warn(`SQLite checkpoints stay on the main thread: the checkpoint worker did not start (${(err as Error).message})`);
    return { stop: async () => {} };
  }
  sqlite.pragma('wal_autocheckpoint = 0');
  const fallBack = (why: string) => {
    if (stopping || !sqlite.open) return;
    sqlite.pragma('wal_autocheckpoint = 1000');
    warn(`SQLite checkpoints are back on the main thread: the checkpoint worker ${why}`);
  };
  worker.on('error', (err) => fallBack(`failed (${err.message})`));
  worker.on('exit', (code) => fallBack(`exited with ${code}`));
  worker.unref();
  return {
    worker,
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
