import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openDb() {
  const file = join(mkdtempSync(join(tmpdir(), 'sb-ckpt-')), 'x.db');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.exec('create table t (id integer primary key, body text)');
  return { db, file };
}
/** ~8 MiB in 2,000 commits: well past the 1,000-page mark where SQLite would checkpoint by itself. */
function fill(db: SQLite.Database) {
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 2000; i++) insert.run('x'.repeat(4000));
}

describe('SQLite checkpoints run in a worker thread, never in a commit on the main thread', () => {
  let cp: Checkpointer | undefined;
  let db: SQLite.Database | undefined;
  afterEach(async () => {
    await cp?.stop();
    db?.close();
    cp = db = undefined;
  });

  it('the main connection stops checkpointing, the worker copies the WAL into the database file', async () => {
    const o = openDb();
    db = o.db;
    cp = await startCheckpointer(db, o.file, { intervalMs: 50 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(o.file).size;
    await cp.stop(); // no worker now: commits alone must not grow the database file
    fill(db);
    expect(statSync(o.file).size).toBe(before);
    cp = await startCheckpointer(db, o.file, { intervalMs: 50 });
    for (let i = 0; i < 60 && statSync(o.file).size < 4 * 1024 * 1024; i++) await sleep(50);
    expect(statSync(o.file).size).toBeGreaterThan(4 * 1024 * 1024);
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 });
  });

  it('a worker that dies hands checkpoints back to the main connection, with a warning', async () => {
    const o = openDb();
    db = o.db;
    const warnings: string[] = [];
    cp = await startCheckpointer(db, o.file, { warn: (m) => warnings.push(m) });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await cp.worker!.terminate();
    await sleep(20);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(warnings.join('\n')).toMatch(/checkpoints are back on the main thread: the checkpoint worker exited/);
  });
});
