/**
 * The durable floor: the issue's own prototype of "durable and fast", as a second ingest baseline.
 * One Fastify route that does the least a durable webhook receiver must do, and nothing more:
 *
 * - verify the Standard Webhooks HMAC of the raw body (`webhook-id.webhook-timestamp.body`,
 *   timestamp within 5 minutes, constant-time compare);
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
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';

const TOLERANCE_SEC = 300;

export function durableFloor(dataDir: string, secret: string): { app: FastifyInstance; count(): number } {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
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
    const id = req.headers['webhook-id'];
    const timestamp = req.headers['webhook-timestamp'];
    const signatures = req.headers['webhook-signature'];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return void reply.code(400).send({ error: 'missing webhook headers' });
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SEC) return void reply.code(401).send({ error: 'timestamp outside tolerance' });
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(raw).digest();
    const ok = signatures.split(' ').some((s) => {
      const given = Buffer.from(s.replace(/^v1,/, ''), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!ok) return void reply.code(401).send({ error: 'bad signature' });
    const rowId = `evt_${randomBytes(10).toString('hex')}`;
    if (turn.length === 0) setImmediate(flush);
    turn.push({ row: [rowId, id, Date.now(), raw.toString('utf8')], done: (err) => (err ? reply.code(500).send({ error: err.message }) : reply.send({ id: rowId })) });
  });
  app.addHook('onClose', async () => db.close());
  return { app, count: () => (total.get() as { n: number }).n };
}
