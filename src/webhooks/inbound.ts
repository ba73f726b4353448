/**
 * The one inbound webhook pipeline, for providers and custom sources alike: resolve the URL →
 * verify the raw bytes with that target's secrets (or answer its handshake) → de-duplicate →
 * store without credentials or signatures → 2xx. A provider's delivery becomes an inbox row plus
 * a `webhook.process` job in one commit (the job parses it and hands the events to the category
 * sinks); a custom source's becomes one unified event in the request's commit
 * (`sources/receiver.ts`). Inbox rows older than the retention period are purged.
 */
import { createHash } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { HubError, toHubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { turnBatch } from '../core/turn-batch.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_TENANT, type ConnectionManager } from '../connections/connections.js';
import type { EventStore } from '../events/event-store.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import type { HandshakeReply, InboundEvent, VerifyOutcome, WebhookVerifyInput } from '../kit/inbound.js';
import { storableHeaders } from '../kit/webhook-verify.js';
import { completeJobs, enqueueMany, type JobContext, type Queue } from '../queue/queue.js';
import { bulkInsert } from '../store/bulk-insert.js';
import type { WebhookInboxTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { resolveProviderTarget, type ProviderTarget } from './provider-target.js';
import { publicUrlOf } from './public-url.js';

export const PROCESS_JOB = 'webhook.process';
/** Most inbox rows one multi-row insert carries. */
const MAX_INBOX_BATCH = 200;

type InboxRow = WebhookInboxTable;
const insertInbox = bulkInsert<InboxRow>(
  'webhook_inbox',
  [['id', 'text'], ['provider', 'text'], ['connection_id', 'text'], ['tenant_id', 'text'], ['dedupe_key', 'text'], ['headers', 'text'], ['body', 'text'], ['received_at', 'bigint'], ['status', 'text'], ['error', 'text']],
  'on conflict (provider, dedupe_key) do nothing returning id',
);
const METRIC = 'switchboard_webhooks_received_total';

type Headers = Record<string, string | undefined>;

/** Where stored deliveries came from: sinks attribute their events to this tenant. */
export interface InboundOrigin {
  /** The connection of `/webhooks/:provider/:connectionId`; null on the default route. */
  connectionId: string | null;
  tenantId: string;
  /** The inbox rows whose events these are (the deliveries of one provider, connection and tenant processed together). */
  inboxIds: string[];
}

/**
 * Receives a provider's verified, parsed events (one sink per category): the events of the
 * deliveries of one provider, connection and tenant processed in the same moment, in the order
 * they were received.
 */
export type EventSink = (provider: string, events: InboundEvent[], origin: InboundOrigin) => Promise<void>;

/** One request as the route hands it over. */
export interface InboundRequest {
  rawBody: Buffer;
  headers: Headers;
  /** See {@link WebhookInbox.urlOf}. */
  publicUrl: string;
}

/** What a receiving URL names. */
export type InboundAddress = { provider: string; connectionId?: string } | { sourceId: string };

export interface Accepted {
  /** The inbox row or event id (on a duplicate, the first one's when known). */
  id: string | null;
  duplicate: boolean;
  /** The answer the sender expects instead of the default JSON (the handler's `ack`). */
  reply?: HandshakeReply;
}

/** What a receiving URL resolves to: how to verify, and where a verified request goes. */
export interface InboundTarget {
  /** Metric label: `sendgrid`, `source:<id>`. */
  label: string;
  verify(input: WebhookVerifyInput): VerifyOutcome | Promise<VerifyOutcome>;
  trust: Pick<WebhookVerifyInput, 'secrets' | 'emulator' | 'context'>;
  accept(request: InboundRequest, now: number): Promise<Accepted>;
}

/** Resolves a custom source id (installed by `sources/index.ts`). */
export type SourceResolver = (sourceId: string) => Promise<InboundTarget | undefined>;

export interface InboundOptions {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  catalog: ProviderCatalog;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  config: { webhookToleranceSec: number; publicUrl?: string; trustProxy?: boolean };
}

export class WebhookInbox {
  private readonly sinks: EventSink[] = [];
  private readonly received: Counter<'provider' | 'outcome'>;
  private events?: EventStore;
  private sources?: SourceResolver;

  constructor(private readonly o: InboundOptions) {
    this.received = (o.registry.getSingleMetric(METRIC) as Counter<'provider' | 'outcome'> | undefined) ?? new Counter({
      name: METRIC,
      help: 'Inbound webhooks by provider and outcome (accepted, duplicate, handshake, or the refusal code)',
      labelNames: ['provider', 'outcome'],
      registers: [o.registry],
    });
    o.queue.register<{ inboxId: string }>(PROCESS_JOB, (p, job) => this.process(p.inboxId, job));
  }

  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** The event stream (operational events, custom sources' events) and the custom sources. */
  attach(parts: { events: EventStore; sources?: SourceResolver }): void {
    this.events = parts.events;
    if (parts.sources) this.sources = parts.sources;
  }

  /**
   * The public URL of a request (`SWITCHBOARD_PUBLIC_URL`, else trusted forwarded headers, else Host).
   *
   * @example
   * inbox.urlOf(req.url, req.headers, req.protocol === 'https')
   */
  urlOf(path: string, headers: Record<string, string | string[] | undefined>, tls: boolean): string {
    return publicUrlOf(path, headers, tls, this.o.config);
  }

  /**
   * Verify and store one delivery, or answer its handshake. Throws `unknown_webhook_source` (404)
   * or a 401-class HubError; nothing unverified is stored.
   *
   * @example
   * const r = await inbox.receive({ provider: 'stripe', connectionId }, { rawBody, headers, publicUrl });
   */
  async receive(address: InboundAddress, request: InboundRequest): Promise<Accepted | { handshake: HandshakeReply }> {
    let label = 'provider' in address ? address.provider : 'source';
    let outcome: VerifyOutcome;
    let target: InboundTarget;
    const now = this.o.clock.now();
    try {
      target = await this.resolve(address);
      label = target.label;
      const { rawBody, headers, publicUrl } = request;
      outcome = await target.verify({ rawBody, headers, publicUrl, now, toleranceSec: this.o.config.webhookToleranceSec, ...target.trust });
    } catch (err) {
      const e = toHubError(err);
      this.received.inc({ provider: e.code === 'unknown_webhook_source' && 'provider' in address ? 'unknown' : label, outcome: e.code });
      throw e;
    }
    if (outcome?.handshake) {
      this.received.inc({ provider: label, outcome: 'handshake' });
      return outcome;
    }
    const accepted = await target.accept(request, now);
    this.received.inc({ provider: label, outcome: accepted.duplicate ? 'duplicate' : 'accepted' });
    return accepted;
  }

  /**
   * Delete inbox rows received before `now - retentionMs`; answers how many.
   *
   * @example
   * await inbox.purge(30 * 86_400_000);
   */
  async purge(retentionMs: number): Promise<number> {
    const cutoff = this.o.clock.now() - retentionMs;
    const res = await this.o.store.write((trx) => trx.deleteFrom('webhook_inbox').where('received_at', '<', cutoff).executeTakeFirst());
    return Number(res.numDeletedRows);
  }

  private async resolve(address: InboundAddress): Promise<InboundTarget> {
    if ('sourceId' in address) {
      const target = await this.sources?.(address.sourceId);
      if (!target) throw new HubError('unknown_webhook_source', `No webhook source "${address.sourceId.slice(0, 64)}": create one with POST /api/v1/webhooks/sources and use the url it answers`);
      return target;
    }
    const t = await resolveProviderTarget(this.o, address.provider, address.connectionId);
    return {
      label: t.provider,
      verify: (input) => t.handler.verify(input),
      trust: t.trust,
      accept: async (request, now) => {
        const accepted = await this.store(t, request, now);
        const reply = t.handler.ack?.(request.rawBody, request.headers);
        return reply ? { ...accepted, reply } : accepted;
      },
    };
  }

  /** The inbox row and its job in one commit; de-duplicated on the body hash or the replay key. */
  private async store(t: ProviderTarget, request: InboundRequest, now: number): Promise<Accepted> {
    const { rawBody, headers } = request;
    const replayKey = t.handler.replayKey?.(rawBody, headers);
    const dedupeKey = createHash('sha256').update(replayKey === undefined ? rawBody : `replay:${replayKey}`).digest('hex');
    const id = newId('whk', now);
    const kept = JSON.stringify(storableHeaders(headers, t.handler.signatureHeaders));
    const body = (t.handler.storedBody?.(rawBody) ?? rawBody).toString('utf8');
    const row = { id, provider: t.provider, connection_id: t.connectionId, tenant_id: t.tenantId, dedupe_key: dedupeKey, headers: kept, body, received_at: now, status: 'received', error: null };
    const stored = await this.insertInbox(row);
    if (stored) {
      this.o.queue.wake();
      return { id, duplicate: false };
    }
    const seen = await this.o.store.db.selectFrom('webhook_inbox').select(['id', 'body']).where('provider', '=', t.provider).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    if (replayKey !== undefined && seen && seen.body !== body) await this.refuseReplay(t, now);
    return { id: seen?.id ?? null, duplicate: true };
  }

  /**
   * Store one inbox row and its job; true when it is new. The rows of one event-loop turn go to
   * the store as one write (one multi-row insert, one insert of their jobs), so a group commit
   * carries two statements instead of two per request. Resolves after the commit; a batch that
   * fails is retried row by row, so a bad row fails alone.
   */
  private readonly insertInbox = turnBatch(
    (rows: InboxRow[]) =>
      this.o.store.write(async (trx) => {
        const stored = await trx.executeQuery<{ id: string }>(insertInbox(this.o.store.dialect, rows));
        const ids = new Set(stored.rows.map((r) => r.id));
        const jobs = rows.filter((r) => ids.has(r.id)).map((r) => ({ type: PROCESS_JOB, payload: { inboxId: r.id }, priority: 1 }));
        await enqueueMany(trx, jobs, Math.min(...rows.map((r) => r.received_at)));
        return rows.map((r) => ids.has(r.id));
      }),
    { max: MAX_INBOX_BATCH, alone: true },
  );

  /** The signed part was seen before with another body: a replay with altered content. */
  private async refuseReplay(t: ProviderTarget, now: number): Promise<never> {
    this.received.inc({ provider: t.provider, outcome: 'webhook_signature_invalid' });
    const data = { provider: t.provider, connectionId: t.connectionId };
    try {
      await this.events?.recordNow({ tenantId: t.tenantId, type: 'webhook.replay_conflict', provider: 'switchboard', connectionId: t.connectionId, occurredAt: now, data, raw: null });
    } catch (err) {
      this.o.logger.error({ err, ...data }, 'recording webhook.replay_conflict failed');
    }
    this.o.logger.warn(data, 'webhook replay with another body refused');
    throw new HubError('webhook_signature_invalid', `This ${t.provider} webhook signature was already used for another body: a replay with altered content (the signature does not cover the event itself).`, { provider: t.provider });
  }

  /**
   * The inbox rows whose jobs start in one turn, processed together: one query loads them, each
   * sink is called once per provider, connection and tenant with all their events (one write
   * instead of one per delivery), and one write marks them processed and completes their jobs.
   * Should a sink fail for a group, its rows are retried one by one so a bad one fails alone.
   */
  private readonly processRows = turnBatch(async (items: { inboxId: string; job: JobContext }[]): Promise<(Error | null)[]> => {
    const ids = items.map((i) => i.inboxId);
    const rows = new Map((await this.o.store.db.selectFrom('webhook_inbox').selectAll().where('id', 'in', ids).execute()).map((r) => [r.id, r]));
    const failed = new Map<string, Error>();
    const groups = new Map<string, { provider: string; origin: InboundOrigin; events: InboundEvent[]; perRow: [string, InboundEvent[]][] }>();
    for (const id of ids) {
      const row = rows.get(id);
      if (!row || row.status === 'processed') continue;
      try {
        const events = this.o.catalog.get(row.provider).webhooks!.parse(Buffer.from(row.body, 'utf8'), JSON.parse(row.headers) as Headers);
        const tenantId = row.tenant_id ?? DEFAULT_TENANT;
        const key = `${row.provider}\n${row.connection_id ?? ''}\n${tenantId}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { provider: row.provider, origin: { connectionId: row.connection_id, tenantId, inboxIds: [] }, events: [], perRow: [] }));
        g.origin.inboxIds.push(id);
        g.events.push(...events);
        g.perRow.push([id, events]);
      } catch (err) {
        failed.set(id, err as Error);
      }
    }
    for (const g of groups.values()) {
      try {
        for (const sink of this.sinks) await sink(g.provider, g.events, g.origin);
      } catch (err) {
        if (g.perRow.length === 1) failed.set(g.perRow[0]![0], err as Error);
        else {
          for (const [id, events] of g.perRow) {
            try {
              for (const sink of this.sinks) await sink(g.provider, events, { ...g.origin, inboxIds: [id] });
            } catch (e) {
              failed.set(id, e as Error);
            }
          }
        }
      }
    }
    const done = items.filter((i) => !failed.has(i.inboxId));
    if (done.length > 0) {
      await this.o.store.write(async (trx) => {
        await trx.updateTable('webhook_inbox').set({ status: 'processed' }).where('id', 'in', done.map((d) => d.inboxId)).execute();
        await completeJobs(trx, done.map((d) => d.job));
      });
    }
    this.o.logger.debug({ rows: items.length, groups: groups.size, failed: failed.size }, 'webhooks processed');
    return ids.map((id) => failed.get(id) ?? null);
  }, { max: 200 });

  private async process(inboxId: string, job: JobContext): Promise<void> {
    const err = await this.processRows({ inboxId, job });
    if (err) throw err;
  }
}
