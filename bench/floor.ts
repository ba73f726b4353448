/**
 * The durable floor: the issue's own prototype of "durable and fast", as a second ingest baseline.
 * One Fastify route that does the least a durable webhook receiver must do, and nothing more:
 *
 * - verify the Standard Webhooks HMAC of the raw body with the hub's own verifier
 *   (`webhooks/standard-webhooks.ts`: timestamp within 5 minutes, constant-time compare), so the
 *   floor and the hub pay the same for the signature;
 * - insert one row (id, the sender's `webhook-id` under a UNIQUE index as the de-duplication key,
 *   receive time, body) with better-sqlite3 in WAL mode at `synchronous = FULL` (the fsync inside
 *   COMMIT, on the main thread);
 * - the inserts of one event-loop turn in one transaction, answered after its COMMIT.
 *
 * No API key, tenant, event stream, fan-out, queue, metrics or SSE: what the hub adds on top of
 * this floor is what the hub costs. `bench/ingest.ts` loads it with the same signed requests as
 * the hub's custom-source route, in a process of its own (`server-child.ts floor`).
 *
 * @example
 * const app = await durableFloor(dataDir, secret); await app.listen({ port: 0 });
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { verifyStandardWebhooks } from '../src/webhooks/standard-webhooks.js';

const TOLERANCE_SEC = 300;

export function durableFloor(dataDir: string, secret: string): { app: FastifyInstance; count(): number } {
  const db = new SQLite(join(dataDir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists received (seq integer primary key, id text not null, dedupe_key text not null unique, received_at integer not null, body text not null)');
  const insert = db.prepare('insert into received (id, dedupe_key, received_at, body) values (?, ?, ?, ?) on conflict (dedupe_key) do nothing');
  const begin = db.prepare('begin');
  const commit = db.prepare('commit');
  const total = db.prepare('select count(*) as n from received');

  let turn: { row: [string, string, number, string]; done(err?: Error): void }[] = [];
  const flush = () => {
    const batch = turn;
    turn = [];
    try {
      begin.run();
      for (const r of batch) insert.run(r.row);
      commit.run();
    } catch (err) {
      if (db.inTransaction) db.prepare('rollback').run();
      for (const r of batch) r.done(err as Error);
      return;
    }
    for (const r of batch) r.done();
  };

  const app = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/sources/:id', (req, reply) => {
    const raw = req.body as Buffer;
    const headers = req.headers as Record<string, string | undefined>;
    try {
      verifyStandardWebhooks({ rawBody: raw, headers, secrets: [secret], now: Date.now(), toleranceSec: TOLERANCE_SEC });
    } catch (err) {
      return void reply.code(401).send({ error: (err as Error).message });
    }
    const id = headers['webhook-id']!;
    const rowId = `evt_${randomBytes(10).toString('hex')}`;
    if (turn.length === 0) setImmediate(flush);
    turn.push({ row: [rowId, id, Date.now(), raw.toString('utf8')], done: (err) => (err ? reply.code(500).send({ error: err.message }) : reply.send({ id: rowId })) });
  });
  app.addHook('onClose', async () => db.close());
  return { app, count: () => (total.get() as { n: number }).n };
}
