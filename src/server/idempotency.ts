/**
 * `Idempotency-Key` on every POST of the API: the same key with the same body answers the
 * stored response (no second send); with another body, 409 `idempotency_conflict`; while the
 * first request still runs, 409 `idempotency_in_progress`. A 5xx is not stored, so a retry runs
 * again. Keys are per tenant and kept 24 hours.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { HubError, validationError } from '../core/errors.js';
import type { Store } from '../store/store.js';

const LOCK_MS = 60_000;
const KEEP_MS = 24 * 60 * 60_000;
const HEADER = 'idempotency-key';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { tenantId: string; key: string };
  }
}

function requestHash(req: FastifyRequest): string {
  let body: string;
  try {
    body = JSON.stringify(req.body ?? null);
  } catch (err) {
    // A body nested thousands of levels deep overflows the stack: the caller's mistake, not a 500.
    if (err instanceof RangeError) throw validationError('(body)', 'is nested too deeply; no field of this API nests more than a few levels');
    throw err;
  }
  return createHash('sha256').update(`${req.method} ${req.routeOptions.url ?? req.url}\n${body}`).digest('hex');
}

export function registerIdempotency(app: FastifyInstance, store: Store, clock: Clock): void {
  // Callback-style hooks: a request without the header (every webhook, most API calls) passes
  // without a promise; only a keyed POST runs `claim` and `record`.
  app.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const key = req.headers[HEADER];
    // Payments keep their own keys (stored with the payment, sent to the provider): see categories/payments.
    if (req.method !== 'POST' || typeof key !== 'string' || !req.principal || req.routeOptions.config.idempotency === 'service') return done();
    claim(req, reply, key).then((replied) => {
      if (!replied) done();
    }, done);
  });

  /** Take the key, or answer from the stored response; true when the reply was sent here. */
  async function claim(req: FastifyRequest, reply: FastifyReply, key: string): Promise<boolean> {
    if (!req.principal) return false;
    if (key.length < 1 || key.length > 255) {
      throw new HubError('validation_failed', 'Idempotency-Key: must be 1 to 255 characters', { errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }] });
    }
    const tenantId = req.principal.tenantId;
    const hash = requestHash(req);
    const now = clock.now();
    const outcome = await store.write(async (trx) => {
      const inserted = await trx
        .insertInto('idempotency_keys')
        .values({ tenant_id: tenantId, key, request_hash: hash, status: 'in_progress', response_status: null, response_body: null, created_at: now, locked_until: now + LOCK_MS })
        .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { run: true as const };
      const row = await trx.selectFrom('idempotency_keys').selectAll().where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirstOrThrow();
      if (row.created_at < now - KEEP_MS || (row.status === 'in_progress' && row.locked_until < now)) {
        // Expired, or the first attempt died mid-way: this request takes the key over.
        await trx.updateTable('idempotency_keys').set({ request_hash: hash, status: 'in_progress', created_at: now, locked_until: now + LOCK_MS }).where('tenant_id', '=', tenantId).where('key', '=', key).execute();
        return { run: true as const };
      }
      return { run: false as const, row };
    });
    if (outcome.run) {
      req.idempotency = { tenantId, key };
      return false;
    }
    const { row } = outcome;
    if (row.request_hash !== hash) throw new HubError('idempotency_conflict', `Idempotency-Key "${key}" was already used with a different request; use a new key for a new request`);
    if (row.status !== 'done') throw new HubError('idempotency_in_progress', `A request with Idempotency-Key "${key}" is still running; retry in a moment`, { retryAfter: 1 });
    reply.code(row.response_status!).header('idempotent-replayed', 'true').type('application/json').send(row.response_body);
    return true;
  }

  app.addHook('onSend', (req, reply, payload, done) => {
    const idem = req.idempotency;
    if (!idem) return done(null, payload);
    req.idempotency = undefined;
    record(idem, reply.statusCode, payload).then(() => done(null, payload), (err: Error) => done(err));
  });

  /** Store the answer under the key (a 5xx frees the key for a retry). */
  async function record(idem: { tenantId: string; key: string }, status: number, payload: unknown): Promise<void> {
    await store.write(async (trx) => {
      if (status >= 500) {
        await trx.deleteFrom('idempotency_keys').where('tenant_id', '=', idem.tenantId).where('key', '=', idem.key).execute();
        return;
      }
      await trx
            .updateTable('idempotency_keys')
            .set({ status: 'done', response_status: status, response_body: typeof payload === 'string' ? payload : JSON.stringify(payload) })
            .where('tenant_id', '=', idem.tenantId)
            .where('key', '=', idem.key)
            .execute();
    });
  }
}
