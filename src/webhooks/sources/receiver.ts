/**
 * A custom source as a target of the inbound pipeline (`webhooks/inbound.ts`): verified with the
 * source's own secrets by its scheme, then recorded as one unified event in the request's commit
 * (the requests of one event-loop turn share one multi-row insert).
 *
 * Unlike a provider (inbox row + `webhook.process` job, parsed later by the provider's code), a
 * custom source has nothing to normalize: the sender's JSON is the event's `data`. Fan-out
 * (outgoing deliveries, handler jobs) still runs from the queue, enqueued by the event store's
 * record hooks in that same commit.
 */
import { turnBatch } from '../../core/turn-batch.js';
import type { EventStore, RecordInput, UnifiedEvent } from '../../events/event-store.js';
import type { Store } from '../../store/store.js';
import type { InboundTarget, SourceResolver } from '../inbound.js';
import { keptHeaders, SCHEMES } from './schemes.js';
import type { OpenedSource, SourceStore } from './source-store.js';

export interface SourceTargetDeps {
  store: Store;
  events: EventStore;
  sources: SourceStore;
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

/**
 * The resolver the inbox calls for `/webhooks/sources/:sourceId`.
 *
 * @example
 * inbox.attach({ events, sources: sourceResolver({ store, events, sources }) });
 */
export function sourceResolver(deps: SourceTargetDeps): SourceResolver {
  const record = recorder(deps);
  return async (sourceId) => {
    const source = await deps.sources.forReceive(sourceId);
    return source ? sourceTarget(deps, source, record) : undefined;
  };
}

/**
 * The events of one event-loop turn recorded with one write (one multi-row insert), published
 * after its commit; should that write fail, each is recorded alone so a bad one fails alone.
 */
function recorder(deps: SourceTargetDeps): (input: RecordInput) => Promise<UnifiedEvent | null> {
  return turnBatch(
    async (inputs: RecordInput[]) => {
      const out = await deps.store.write((trx) => deps.events.recordMany(trx, inputs));
      deps.events.publish(out.filter((e): e is UnifiedEvent => e !== null));
      return out;
    },
    { max: 200, alone: true },
  );
}

/** One source as an {@link InboundTarget}. */
export function sourceTarget(deps: SourceTargetDeps, source: OpenedSource, record: (input: RecordInput) => Promise<UnifiedEvent | null>): InboundTarget {
  const provider = `source:${source.id}`;
  const scheme = SCHEMES[source.scheme];
  return {
    label: provider,
    trust: { secrets: source.secrets },
    verify: (input) => scheme.verify({ ...input, header: source.header ?? undefined, encoding: source.encoding ?? undefined }),
    async accept({ rawBody, headers }, now) {
      const { payload, data } = payloadOf(rawBody);
      const text = rawBody.toString('utf8');
      const body = Buffer.from(text, 'utf8').equals(rawBody) ? { body: text } : { bodyBase64: rawBody.toString('base64') };
      const dedupeKey = scheme.dedupeKey(rawBody, headers);
      const event = await record({
        tenantId: source.tenantId,
        type: scheme.eventType(payload, headers) ?? 'webhook.received',
        provider,
        sourceId: source.id,
        dedupeKey,
        occurredAt: scheme.occurredAt(headers) ?? now,
        data,
        raw: { headers: keptHeaders(source.scheme, headers), ...body },
      });
      if (event) return { id: event.id, duplicate: false };
      const first = await deps.store.db.selectFrom('events').select('id').where('provider', '=', provider).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
      return { id: first?.id ?? null, duplicate: true };
    },
  };
}
