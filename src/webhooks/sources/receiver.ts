/**
 * `POST /webhooks/sources/:sourceId`, the receiving half: verify with the source's secrets →
 * de-duplicate and record one unified event (one commit) → 2xx. Nothing unverified is stored.
 *
 * Unlike the provider pipeline (`webhooks/inbound.ts`: inbox row + `webhook.process` job, parsed
 * later by the provider's code), a custom source has nothing to normalize: the sender's JSON is
 * the event's `data`, so the event is recorded directly in the request's commit. Fan-out
 * (outgoing deliveries, handler jobs) still runs from the queue, enqueued by the event store's
 * record hooks in that same commit.
 */
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { HubError, toHubError } from '../../core/errors.js';
import type { EventStore } from '../../events/event-store.js';
import type { Store } from '../../store/store.js';
import { keptHeaders, SCHEMES } from './schemes.js';
import type { SourceStore } from './source-store.js';

const METRIC = 'switchboard_webhooks_received_total';

export interface ReceiverOptions {
  store: Store;
  events: EventStore;
  sources: SourceStore;
  clock: Clock;
  registry: Registry;
  toleranceSec: number;
}

export interface Received {
  /** The event's id (on a duplicate, the id of the event stored the first time, if still kept). */
  id: string | null;
  duplicate: boolean;
}

/** The metric the provider pipeline registered, or a new one when it is absent (tests). */
function receivedCounter(registry: Registry): Counter<'provider' | 'outcome'> {
  const existing = registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'provider' | 'outcome'>;
  return new Counter({ name: METRIC, help: 'Inbound webhooks by provider and outcome (accepted, duplicate, or the refusal code)', labelNames: ['provider', 'outcome'], registers: [registry] });
}

/** The sender's payload as event data: a JSON object as is, anything else under `body`. */
function payloadOf(rawBody: Buffer): { payload: unknown; data: Record<string, unknown> } {
  const text = rawBody.toString('utf8');
  try {
    const payload: unknown = JSON.parse(text);
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return { payload, data: payload as Record<string, unknown> };
    return { payload, data: { body: payload } };
  } catch {
    return { payload: undefined, data: { body: text } };
  }
}

export class SourceReceiver {
  private readonly received: Counter<'provider' | 'outcome'>;

  constructor(private readonly o: ReceiverOptions) {
    this.received = receivedCounter(o.registry);
  }

  /**
   * Verify one delivery and store it as an event. Throws `unknown_webhook_source` (404) or a
   * 401-class HubError; answers once the event is committed.
   *
   * @example
   * const { id, duplicate } = await receiver.receive(sourceId, rawBody, headers);
   */
  async receive(sourceId: string, rawBody: Buffer, headers: Record<string, string | undefined>): Promise<Received> {
    const source = await this.o.sources.forReceive(sourceId);
    if (!source) {
      this.received.inc({ provider: 'source', outcome: 'unknown_webhook_source' });
      throw new HubError('unknown_webhook_source', `No webhook source "${sourceId.slice(0, 64)}": create one with POST /api/v1/webhooks/sources and use the url it answers`);
    }
    const provider = `source:${source.id}`;
    const scheme = SCHEMES[source.scheme];
    const now = this.o.clock.now();
    try {
      scheme.verify({ rawBody, headers, secrets: source.secrets, now, toleranceSec: this.o.toleranceSec, header: source.header ?? undefined, encoding: source.encoding ?? undefined });
    } catch (err) {
      const e = toHubError(err);
      this.received.inc({ provider, outcome: e.code });
      throw e;
    }
    const { payload, data } = payloadOf(rawBody);
    const text = rawBody.toString('utf8');
    const body = Buffer.from(text, 'utf8').equals(rawBody) ? { body: text } : { bodyBase64: rawBody.toString('base64') };
    const dedupeKey = scheme.dedupeKey(rawBody, headers);
    const event = await this.o.store.write((trx) =>
      this.o.events.record(trx, {
        tenantId: source.tenantId,
        type: scheme.eventType(payload, headers) ?? 'webhook.received',
        provider,
        sourceId: source.id,
        dedupeKey,
        occurredAt: scheme.occurredAt(headers) ?? now,
        data,
        raw: { headers: keptHeaders(source.scheme, headers), ...body },
      }),
    );
    this.received.inc({ provider, outcome: event ? 'accepted' : 'duplicate' });
    if (event) {
      this.o.events.publish([event]);
      return { id: event.id, duplicate: false };
    }
    const first = await this.o.store.db.selectFrom('events').select('id').where('provider', '=', provider).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    return { id: first?.id ?? null, duplicate: true };
  }
}
