/**
 * The delivery job: one attempt of one delivery. Signs the stored body (the same `webhook-id` on
 * every attempt), posts it, records the attempt, and in the same transaction schedules the next
 * attempt, or finishes the delivery (succeeded, dead). A job is fenced by the attempt number it
 * carries: a stale or duplicated job (a crash between "attempt recorded" and "job done") finds the
 * delivery moved on and does nothing.
 *
 * Operational events: `webhook.delivery.exhausted` when the schedule runs out, and
 * `webhook.endpoint.disabled` on 410 Gone or after 5 days of continuous failure. Endpoints may
 * subscribe to them; an exhausted delivery OF a `webhook.*` event emits nothing more (logged
 * instead), so a dead endpoint subscribed to `*` makes at most one extra message per failure.
 */
import type { BlockList } from 'node:net';
import type { Agent } from 'undici';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import { enqueue, type JobContext } from '../../queue/queue.js';
import type { Store, Trx } from '../../store/store.js';
import type { Vault } from '../../vault/vault.js';
import { DEFAULT_RETRY_SCHEDULE_MS, endpointHeaders, secretsContext, type EndpointSecrets } from './endpoints.js';
import { DELIVER_JOB, DELIVER_JOB_MAX_RUNS, type DeliverJob } from './fan-out.js';
import { postWebhook, type PostOutcome } from './http-post.js';
import type { EndpointLimits } from './limits.js';

/** An endpoint failing this long without a success is disabled. */
export const FAILING_DISABLE_MS = 5 * 86_400_000;
/** Longest `Retry-After` honoured. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export interface DelivererOptions {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  events: EventStore;
  limits: EndpointLimits;
  agent: () => Agent;
  allow: BlockList;
  timeoutMs: number;
}

type Loaded = NonNullable<Awaited<ReturnType<Deliverer['load']>>>;

export class Deliverer {
  constructor(private readonly o: DelivererOptions) {}

  /** The queue handler of `webhook.deliver`. */
  async handle(p: DeliverJob, _job?: JobContext): Promise<void> {
    const row = await this.load(p.d);
    if (!row || row.status !== 'pending' || row.attempts !== p.a - 1) return; // stale job
    const now = this.o.clock.now();
    if (!row.endpoint_id_live || !row.enabled) {
      const reason = row.endpoint_id_live ? `endpoint disabled${row.disabled_reason ? `: ${row.disabled_reason}` : ''}` : 'endpoint deleted';
      await this.o.store.write((trx) => trx.updateTable('webhook_deliveries').set({ status: 'dead', next_attempt_at: null, updated_at: now }).where('id', '=', p.d).where('status', '=', 'pending').where('attempts', '=', p.a - 1).execute());
      this.o.logger.info({ delivery: p.d, reason }, 'webhook delivery dropped');
      return;
    }
    const admission = this.o.limits.admit(row.endpoint_id, row.rate_limit_per_second, now, p.w ?? 0, p.slot);
    if (!admission.ok) {
      const next: DeliverJob = { ...p, w: (p.w ?? 0) + 1, slot: admission.slot };
      await this.o.store.write((trx) => enqueue(trx, { type: DELIVER_JOB, payload: next, runAt: now + admission.deferMs, maxAttempts: DELIVER_JOB_MAX_RUNS }, now));
      return;
    }
    let outcome: PostOutcome;
    try {
      const secrets = this.o.vault.open<EndpointSecrets>(row.secrets, secretsContext(row.endpoint_id));
      const headers = endpointHeaders(secrets, row.message_id, this.o.clock.now(), row.payload);
      outcome = await postWebhook(this.o.agent(), this.o.allow, row.url, headers, row.payload, this.o.timeoutMs, () => this.o.clock.now());
    } finally {
      this.o.limits.release(row.endpoint_id);
    }
    const recorded: UnifiedEvent[] = [];
    await this.o.store.write(async (trx) => {
      recorded.length = 0;
      await this.record(trx, row, p, outcome, recorded);
    });
    this.o.events.publish(recorded);
  }

  /** The delivery with its message and endpoint. */
  load(deliveryId: string) {
    return this.o.store.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
      .leftJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.id', 'd.status', 'd.attempts', 'd.endpoint_id', 'd.message_id', 'm.payload', 'm.event_id', 'm.event_type', 'm.tenant_id'])
      .select(['e.id as endpoint_id_live', 'e.url', 'e.enabled', 'e.secrets', 'e.rate_limit_per_second', 'e.retry_schedule', 'e.failing_since', 'e.disabled_reason'])
      .where('d.id', '=', deliveryId)
      .executeTakeFirst() as Promise<
      | {
          id: string;
          status: string;
          attempts: number;
          endpoint_id: string;
          message_id: string;
          payload: string;
          event_id: string;
          event_type: string;
          tenant_id: string;
          endpoint_id_live: string | null;
          url: string;
          enabled: number;
          secrets: string;
          rate_limit_per_second: number | null;
          retry_schedule: string | null;
          failing_since: number | null;
          disabled_reason: string | null;
        }
      | undefined
    >;
  }

  private async record(trx: Trx, row: Loaded, p: DeliverJob, out: PostOutcome, recorded: UnifiedEvent[]): Promise<void> {
    const now = this.o.clock.now();
    const ok = out.status !== null && out.status >= 200 && out.status < 300;
    const schedule = row.retry_schedule ? (JSON.parse(row.retry_schedule) as number[]) : DEFAULT_RETRY_SCHEDULE_MS;
    const step = p.s + 1;
    const failingSince = row.failing_since ?? now;
    const gone = out.status === 410;
    const tooLong = !ok && now - failingSince >= FAILING_DISABLE_MS;
    const exhausted = !ok && !gone && step >= schedule.length;
    let delay = schedule[Math.min(step, schedule.length - 1)] ?? 0;
    if ((out.status === 429 || out.status === 503) && out.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(out.retryAfterMs, MAX_RETRY_AFTER_MS));
    const status = ok ? 'succeeded' : gone || exhausted || tooLong ? 'dead' : 'pending';
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({ status, attempts: p.a, last_status: out.status, next_attempt_at: status === 'pending' ? now + delay : null, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', p.a - 1)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return; // another worker recorded this attempt
    await trx
      .insertInto('webhook_attempts')
      .values({ id: newId('att', now), delivery_id: row.id, endpoint_id: row.endpoint_id, message_id: row.message_id, at: now, status_code: out.status, latency_ms: out.latencyMs, response: out.response, error: out.error })
      .execute();
    if (ok) {
      if (row.failing_since !== null) await trx.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', row.endpoint_id).execute();
      return;
    }
    if (row.failing_since === null) await trx.updateTable('webhook_endpoints').set({ failing_since: now }).where('id', '=', row.endpoint_id).where('failing_since', 'is', null).execute();
    if (status === 'pending') {
      await enqueue(trx, { type: DELIVER_JOB, payload: { d: row.id, a: p.a + 1, s: step } satisfies DeliverJob, runAt: now + delay, maxAttempts: DELIVER_JOB_MAX_RUNS }, now);
    }
    const base = { endpointId: row.endpoint_id, url: row.url, deliveryId: row.id, messageId: row.message_id, eventId: row.event_id, eventType: row.event_type, attempts: p.a, lastStatus: out.status, lastError: out.error };
    if (gone || tooLong) {
      const reason = gone ? 'the endpoint answered 410 Gone' : `failing continuously since ${new Date(failingSince).toISOString()}`;
      const disabled = await trx.updateTable('webhook_endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: now }).where('id', '=', row.endpoint_id).where('enabled', '=', 1).executeTakeFirst();
      if (Number(disabled.numUpdatedRows) > 0) await this.emit(trx, row.tenant_id, 'webhook.endpoint.disabled', `endpoint-disabled:${row.endpoint_id}:${now}`, { ...base, reason }, recorded);
    }
    if (exhausted || (tooLong && !gone)) {
      if (row.event_type.startsWith('webhook.')) {
        this.o.logger.warn(base, 'webhook delivery of an operational event exhausted (no further event, to avoid loops)');
      } else {
        await this.emit(trx, row.tenant_id, 'webhook.delivery.exhausted', `delivery-exhausted:${row.id}:${p.a}`, base, recorded);
      }
    }
  }

  private async emit(trx: Trx, tenantId: string, type: string, dedupeKey: string, data: Record<string, unknown>, recorded: UnifiedEvent[]): Promise<void> {
    const event = await this.o.events.record(trx, { tenantId, type, provider: 'switchboard', dedupeKey, occurredAt: this.o.clock.now(), data, raw: null });
    if (event) recorded.push(event);
  }
}
