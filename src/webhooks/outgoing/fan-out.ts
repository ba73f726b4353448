/**
 * Fan-out: in the transaction that records a new event, one message (the exact signed body) and,
 * for each enabled endpoint of the tenant subscribed to its type, one delivery and the job of its
 * first attempt. The event, its messages and their jobs commit together or not at all.
 */
import type { UnifiedEvent } from '../../events/event-store.js';
import { newId } from '../../core/ids.js';
import type { Insertable } from 'kysely';
import { enqueue, enqueueMany, type EnqueueOptions } from '../../queue/queue.js';
import type { WebhookDeliveriesTable, WebhookMessagesTable } from '../../store/schema.js';
import type { Trx } from '../../store/store.js';
import { matchesType } from '../../events/types.js';

export const DELIVER_JOB = 'webhook.deliver';
/** Lease expiries (process deaths) one attempt survives before its job is dead-lettered. */
export const DELIVER_JOB_MAX_RUNS = 20;

/** Payload of a delivery job: delivery id, attempt number (fencing), schedule step, defers, reserved slot. */
export interface DeliverJob {
  d: string;
  a: number;
  s: number;
  w?: number;
  slot?: number;
}

/**
 * The Standard Webhooks body: `{id, type, timestamp, data}` with the unified event as `data`.
 *
 * @example
 * buildPayload(event) // '{"id":"evt_…","type":"email.bounced","timestamp":"2025-…","data":{…}}'
 */
export function buildPayload(event: Pick<UnifiedEvent, 'id' | 'type' | 'occurredAt'> & Partial<UnifiedEvent>): string {
  const { seq: _seq, tenantId: _tenant, ...data } = event;
  return JSON.stringify({ id: event.id, type: event.type, timestamp: event.occurredAt, data });
}

/** A new delivery of `messageId` to `endpointId` and the job of its first attempt, as rows to insert. */
function firstAttempt(messageId: string, endpointId: string, now: number, runAt = now): { delivery: Insertable<WebhookDeliveriesTable> & { id: string }; job: EnqueueOptions } {
  const id = newId('dlv', now);
  return {
    delivery: { id, message_id: messageId, endpoint_id: endpointId, status: 'pending', attempts: 0, next_attempt_at: runAt, last_status: null, created_at: now, updated_at: now },
    job: { type: DELIVER_JOB, payload: { d: id, a: 1, s: 0 } satisfies DeliverJob, runAt, maxAttempts: DELIVER_JOB_MAX_RUNS },
  };
}

/** Insert one delivery of `messageId` to `endpointId` and the job of its first attempt. */
export async function scheduleDelivery(trx: Trx, messageId: string, endpointId: string, now: number, runAt = now): Promise<string> {
  const { delivery, job } = firstAttempt(messageId, endpointId, now, runAt);
  await trx.insertInto('webhook_deliveries').values(delivery).execute();
  await enqueue(trx, job, now);
  return delivery.id;
}

/** Rows per multi-row insert (within SQLite's and PostgreSQL's bound-parameter limits). */
const CHUNK = 1000;

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * The `onRecordMany` hook: the fan-out of several events with one query for their tenants'
 * endpoints and one multi-row insert each for their messages, deliveries and first-attempt jobs.
 * Answers the ids of the events that got at least one delivery.
 *
 * @example
 * hub.events.onRecordMany((trx, events) => fanOutMany(trx, events, hub.clock.now()).then(() => {}));
 */
export async function fanOutMany(trx: Trx, events: UnifiedEvent[], now: number): Promise<string[]> {
  if (events.length === 0) return [];
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const rows = await trx.selectFrom('webhook_endpoints').select(['id', 'tenant_id', 'event_types']).where('tenant_id', 'in', tenants).where('enabled', '=', 1).execute();
  if (rows.length === 0) return [];
  const endpoints = rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, patterns: JSON.parse(r.event_types) as string[] }));
  const messages: Insertable<WebhookMessagesTable>[] = [];
  const deliveries: Insertable<WebhookDeliveriesTable>[] = [];
  const jobs: EnqueueOptions[] = [];
  const fannedOut: string[] = [];
  for (const event of events) {
    const targets = endpoints.filter((e) => e.tenantId === event.tenantId && e.patterns.some((p) => matchesType(p, event.type)));
    if (targets.length === 0) continue;
    fannedOut.push(event.id);
    const messageId = newId('msg', now);
    messages.push({ id: messageId, tenant_id: event.tenantId, event_id: event.id, event_type: event.type, payload: buildPayload(event), created_at: now });
    for (const e of targets) {
      const { delivery, job } = firstAttempt(messageId, e.id, now);
      deliveries.push(delivery);
      jobs.push(job);
    }
  }
  await insertChunks(messages, (chunk) => trx.insertInto('webhook_messages').values(chunk).execute());
  await insertChunks(deliveries, (chunk) => trx.insertInto('webhook_deliveries').values(chunk).execute());
  await insertChunks(jobs, (chunk) => enqueueMany(trx, chunk, now));
  return fannedOut;
}

/**
 * A test message to one endpoint only (not an event of the stream): `webhook.test` by default.
 *
 * @example
 * await store.write((trx) => sendTestMessage(trx, tenantId, endpointId, now, { hello: 'world' }));
 */
export async function sendTestMessage(trx: Trx, tenantId: string, endpointId: string, now: number, data: Record<string, unknown> = {}, type = 'webhook.test'): Promise<{ messageId: string; deliveryId: string }> {
  const messageId = newId('msg', now);
  const timestamp = new Date(now).toISOString();
  const payload = JSON.stringify({ id: messageId, type, timestamp, data });
  await trx.insertInto('webhook_messages').values({ id: messageId, tenant_id: tenantId, event_id: messageId, event_type: type, payload, created_at: now }).execute();
  const deliveryId = await scheduleDelivery(trx, messageId, endpointId, now);
  return { messageId, deliveryId };
}
