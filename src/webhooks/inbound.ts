/**
 * The inbound webhook pipeline: verify the signature on the raw bytes → de-duplicate → store in
 * the inbox together with a processing job (one commit) → 2xx. The job parses the body into
 * normalized events and hands them to the category sinks (email tracking, …).
 */
import { createHash } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { HubError, toHubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ConnectionManager } from '../connections/connections.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import type { InboundEvent } from '../kit/inbound.js';
import { enqueue, type Queue } from '../queue/queue.js';
import type { Store } from '../store/store.js';

export const PROCESS_JOB = 'webhook.process';

/** Receives a provider's verified, parsed events (one per category). */
export type EventSink = (provider: string, events: InboundEvent[]) => Promise<void>;

export interface InboundOptions {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  catalog: ProviderCatalog;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  toleranceSec: number;
}

export class WebhookInbox {
  private readonly sinks: EventSink[] = [];
  private readonly received: Counter<'provider' | 'outcome'>;

  constructor(private readonly o: InboundOptions) {
    this.received = new Counter({
      name: 'switchboard_webhooks_received_total',
      help: 'Inbound webhooks by provider and outcome (accepted, duplicate, or the refusal code)',
      labelNames: ['provider', 'outcome'],
      registers: [o.registry],
    });
    o.queue.register<{ inboxId: string }>(PROCESS_JOB, (p) => this.process(p.inboxId));
  }

  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /**
   * Verify and store one delivery. Throws 401-class HubErrors for bad signatures; nothing
   * unverified is stored.
   */
  async receive(provider: string, rawBody: Buffer, headers: Record<string, string | undefined>): Promise<{ id: string; duplicate: boolean }> {
    const def = this.o.catalog.find(provider);
    if (!def?.webhooks) {
      this.received.inc({ provider: 'unknown', outcome: 'unknown_webhook_source' });
      throw new HubError('unknown_webhook_source', `No provider with inbound webhooks is registered as "${provider}"`);
    }
    try {
      const secrets = this.o.connections.webhookSecrets(provider);
      if (secrets.length === 0) {
        const vars = def.webhooks.secretFields.map((f) => (def.manifest.env as Record<string, string>)[f]).join(' or ');
        throw new HubError('webhook_signature_invalid', `No verification key is configured for ${def.manifest.name}; set ${vars}`);
      }
      const emu = this.o.connections.emulator(provider);
      const emulator = emu ? { url: emu.url, certificatePem: emu.certificatePem } : undefined;
      const conn = this.o.connections.defaultConnection(provider);
      const context = conn ? { connection: conn, http: this.o.connections.http(conn), clock: this.o.clock, logger: this.o.logger } : undefined;
      await def.webhooks.verify({ rawBody, headers, secrets, now: this.o.clock.now(), toleranceSec: this.o.toleranceSec, emulator, context });
    } catch (err) {
      const e = toHubError(err);
      this.received.inc({ provider, outcome: e.code });
      throw e;
    }
    const now = this.o.clock.now();
    const replayKey = def.webhooks.replayKey?.(rawBody, headers);
    const dedupeKey = createHash('sha256').update(replayKey === undefined ? rawBody : `replay:${replayKey}`).digest('hex');
    const id = newId('whk', now);
    const stored = await this.o.store.write(async (trx) => {
      const row = await trx
        .insertInto('webhook_inbox')
        .values({ id, provider, dedupe_key: dedupeKey, headers: JSON.stringify(headers), body: rawBody.toString('utf8'), received_at: now, status: 'received', error: null })
        .onConflict((oc) => oc.columns(['provider', 'dedupe_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (row) await enqueue(trx, { type: PROCESS_JOB, payload: { inboxId: id }, priority: 1 }, now);
      return !!row;
    });
    if (!stored && replayKey !== undefined) await this.refuseReplay(provider, dedupeKey, rawBody);
    this.received.inc({ provider, outcome: stored ? 'accepted' : 'duplicate' });
    if (stored) this.o.queue.wake();
    return { id, duplicate: !stored };
  }

  /** The signed part was seen before: the same body is a retry (a duplicate), another is a replay. */
  private async refuseReplay(provider: string, dedupeKey: string, rawBody: Buffer): Promise<void> {
    const seen = await this.o.store.db.selectFrom('webhook_inbox').select('body').where('provider', '=', provider).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    if (!seen || seen.body === rawBody.toString('utf8')) return;
    this.received.inc({ provider, outcome: 'webhook_signature_invalid' });
    throw new HubError('webhook_signature_invalid', `This ${provider} webhook signature was already used for another body: a replay with altered content (the signature does not cover the event itself).`, { provider });
  }

  private async process(inboxId: string): Promise<void> {
    const row = await this.o.store.db.selectFrom('webhook_inbox').selectAll().where('id', '=', inboxId).executeTakeFirst();
    if (!row || row.status === 'processed') return;
    const def = this.o.catalog.get(row.provider);
    const events = def.webhooks!.parse(Buffer.from(row.body, 'utf8'), JSON.parse(row.headers) as Record<string, string>);
    for (const sink of this.sinks) await sink(row.provider, events);
    await this.o.store.write((trx) => trx.updateTable('webhook_inbox').set({ status: 'processed' }).where('id', '=', inboxId).execute());
    this.o.logger.debug({ inboxId, provider: row.provider, events: events.length }, 'webhook processed');
  }
}
