/**
 * What happened and doing it again: attempts and messages of an endpoint (cursor pagination),
 * resend one message, recover every delivery that died since a time, and the retention purge of
 * old payloads and attempts.
 */
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { enqueue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import { DELIVER_JOB, DELIVER_JOB_MAX_RUNS, scheduleDelivery, type DeliverJob } from './fan-out.js';

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Replay {
  constructor(private readonly o: { store: Store; clock: Clock; wake: () => void }) {}

  /**
   * Attempts of an endpoint, newest first.
   *
   * @example
   * const { data, nextCursor } = await replay.attempts(endpointId, { limit: 50 });
   */
  async attempts(endpointId: string, opts: { limit: number; cursor?: string; messageId?: string }): Promise<Page<Record<string, unknown>>> {
    let q = this.o.store.db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId);
    if (opts.messageId) q = q.where('message_id', '=', opts.messageId);
    if (opts.cursor) q = q.where('id', '<', opts.cursor);
    const rows = await q.orderBy('id', 'desc').limit(opts.limit + 1).execute();
    const page = rows.slice(0, opts.limit);
    return {
      data: page.map((r) => ({ id: r.id, deliveryId: r.delivery_id, messageId: r.message_id, at: iso(r.at), statusCode: r.status_code, latencyMs: r.latency_ms, response: r.response, error: r.error })),
      nextCursor: rows.length > opts.limit ? page[page.length - 1]!.id : null,
    };
  }

  /** Messages sent to an endpoint with their delivery state, newest first. */
  async messages(endpointId: string, opts: { limit: number; cursor?: string; status?: string }): Promise<Page<Record<string, unknown>>> {
    let q = this.o.store.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
      .select(['m.id', 'm.event_id', 'm.event_type', 'm.created_at', 'd.id as delivery_id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_status'])
      .where('d.endpoint_id', '=', endpointId);
    if (opts.status) q = q.where('d.status', '=', opts.status);
    if (opts.cursor) q = q.where('m.id', '<', opts.cursor);
    const rows = await q.orderBy('m.id', 'desc').limit(opts.limit + 1).execute();
    const page = rows.slice(0, opts.limit);
    return {
      data: page.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        eventType: r.event_type,
        createdAt: iso(r.created_at),
        deliveryId: r.delivery_id,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at === null ? null : iso(r.next_attempt_at),
        lastStatus: r.last_status,
      })),
      nextCursor: rows.length > opts.limit ? page[page.length - 1]!.id : null,
    };
  }

  /**
   * Send one message to the endpoint again, now, with a fresh retry schedule (same `webhook-id`).
   *
   * @example
   * await replay.resend(tenantId, endpointId, 'msg_…');
   */
  async resend(tenantId: string, endpointId: string, messageId: string): Promise<{ deliveryId: string }> {
    const now = this.o.clock.now();
    const message = await this.o.store.db.selectFrom('webhook_messages').select(['id']).where('id', '=', messageId).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!message) throw new HubError('not_found', `No webhook message ${messageId} (or it was purged after the retention period)`);
    const deliveryId = await this.o.store.write(async (trx) => {
      const d = await trx.selectFrom('webhook_deliveries').select(['id', 'attempts']).where('message_id', '=', messageId).where('endpoint_id', '=', endpointId).executeTakeFirst();
      if (!d) return scheduleDelivery(trx, messageId, endpointId, now);
      await this.restart(trx, d.id, d.attempts, now);
      return d.id;
    });
    this.o.wake();
    return { deliveryId };
  }

  /**
   * Re-queue every delivery of the endpoint that died since `since` (epoch ms).
   *
   * @example
   * await replay.recover(endpointId, Date.parse('2025-01-01T00:00:00Z')) // { recovered: 12 }
   */
  async recover(endpointId: string, since: number): Promise<{ recovered: number }> {
    const now = this.o.clock.now();
    const dead = await this.o.store.db.selectFrom('webhook_deliveries').select(['id', 'attempts']).where('endpoint_id', '=', endpointId).where('status', '=', 'dead').where('updated_at', '>=', since).execute();
    for (let i = 0; i < dead.length; i += 200) {
      const chunk = dead.slice(i, i + 200);
      await this.o.store.write(async (trx) => {
        for (const d of chunk) await this.restart(trx, d.id, d.attempts, now);
      });
    }
    this.o.wake();
    return { recovered: dead.length };
  }

  /** Make a delivery pending with a job for its next attempt at step 0 of the schedule. */
  private async restart(trx: Parameters<Parameters<Store['write']>[0]>[0], id: string, attempts: number, now: number): Promise<void> {
    await trx.updateTable('webhook_deliveries').set({ status: 'pending', next_attempt_at: now, updated_at: now }).where('id', '=', id).execute();
    await enqueue(trx, { type: DELIVER_JOB, payload: { d: id, a: attempts + 1, s: 0 } satisfies DeliverJob, runAt: now, maxAttempts: DELIVER_JOB_MAX_RUNS }, now);
  }

  /**
   * Delete messages, finished deliveries and attempts older than `retentionMs`.
   *
   * @example
   * await replay.purge(30 * 86_400_000) // { messages: 120, attempts: 340 }
   */
  async purge(retentionMs: number): Promise<{ messages: number; attempts: number }> {
    const cutoff = this.o.clock.now() - retentionMs;
    return this.o.store.write(async (trx) => {
      const attempts = await trx.deleteFrom('webhook_attempts').where('at', '<', cutoff).executeTakeFirst();
      await trx.deleteFrom('webhook_deliveries').where('created_at', '<', cutoff).where('status', '!=', 'pending').execute();
      const messages = await trx
        .deleteFrom('webhook_messages')
        .where('created_at', '<', cutoff)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.message_id', '=', 'webhook_messages.id'))))
        .executeTakeFirst();
      return { messages: Number(messages.numDeletedRows), attempts: Number(attempts.numDeletedRows) };
    });
  }
}
