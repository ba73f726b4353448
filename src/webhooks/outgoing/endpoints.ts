/**
 * Outgoing webhook endpoints of a tenant: URL, subscribed event types, description, enabled, rate
 * limit, retry schedule, and a signing secret sealed by the vault (shown at creation and rotation
 * only). Rotation keeps the old secret signing beside the new one for 24 h.
 */
import type { BlockList } from 'node:net';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { zodToHubError } from '../../core/validation.js';
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { WebhookEndpointsTable } from '../../store/schema.js';
import type { Store } from '../../store/store.js';
import type { Vault } from '../../vault/vault.js';
import { assertDeliverableUrl, type LookupFn } from './address-guard.js';
import { isTypePattern } from '../../events/types.js';
import { generateSecret, signedHeaders } from '../standard-webhooks.js';

/** The secrets of an endpoint, sealed at rest as one object. */
export interface EndpointSecrets {
  current: string;
  /** The secret before the last rotation, still signing until `previousUntil` (epoch ms). */
  previous?: string;
  previousUntil?: number;
}

/** How long a rotated-out secret keeps signing. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;

/**
 * The headers of one delivery attempt: Standard Webhooks signed by the current secret, and by
 * the previous one inside its overlap, plus content-type and user-agent.
 *
 * @example
 * endpointHeaders({ current, previous, previousUntil }, msg.id, Date.now(), msg.payload)['webhook-signature'] // 'v1,… v1,…'
 */
export function endpointHeaders(secrets: EndpointSecrets, id: string, now: number, body: string): Record<string, string> {
  const signing = [secrets.current, ...(secrets.previous && (secrets.previousUntil ?? 0) > now ? [secrets.previous] : [])];
  return { 'content-type': 'application/json', 'user-agent': 'Switchboard-Webhooks/1.0', ...signedHeaders(signing, id, now, body) };
}

/** Delays before attempts 1..8: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000, 10 * 3600_000];

const fields = {
  url: z.string().min(1),
  eventTypes: z.array(z.string().refine(isTypePattern, 'must be a type such as email.bounced, a wildcard such as payment.*, or *')).min(1),
  description: z.string().max(1000).nullable(),
  rateLimitPerSecond: z.number().int().positive().max(100_000).nullable(),
  /** Delays in ms before each attempt (the first usually 0); 1..20 entries of at most 7 days. */
  retrySchedule: z.array(z.number().int().min(0).max(7 * 86_400_000)).min(1).max(20).nullable(),
};
export const createEndpointInput = z.object({ ...fields, description: fields.description.optional(), rateLimitPerSecond: fields.rateLimitPerSecond.optional(), retrySchedule: fields.retrySchedule.optional() });
export const updateEndpointInput = z.object({ ...fields, enabled: z.boolean() }).partial();

export interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  description: string | null;
  rateLimitPerSecond: number | null;
  retrySchedule: number[];
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export function rowToEndpoint(row: Selectable<WebhookEndpointsTable>): Endpoint {
  return {
    id: row.id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    enabled: Boolean(row.enabled),
    description: row.description,
    rateLimitPerSecond: row.rate_limit_per_second,
    retrySchedule: row.retry_schedule ? (JSON.parse(row.retry_schedule) as number[]) : DEFAULT_RETRY_SCHEDULE_MS,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since === null ? null : new Date(row.failing_since).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export const secretsContext = (id: string) => `webhook-endpoint:${id}`;

export class EndpointStore {
  constructor(
    private readonly o: { store: Store; vault: Vault; clock: Clock; allow: BlockList; lookup?: LookupFn },
  ) {}

  /**
   * Create an endpoint; the answer carries the secret (the only time it is shown).
   *
   * @example
   * const { id, secret } = await endpoints.create('default', { url: 'https://example.com/hooks', eventTypes: ['email.*'] });
   */
  async create(tenantId: string, input: unknown): Promise<Endpoint & { secret: string }> {
    const parsed = createEndpointInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    const url = await assertDeliverableUrl(v.url, this.o.allow, this.o.lookup);
    const now = this.o.clock.now();
    const id = newId('ep', now);
    const secret = generateSecret();
    const row = await this.o.store.write((trx) =>
      trx
        .insertInto('webhook_endpoints')
        .values({
          id,
          tenant_id: tenantId,
          url: url.href,
          description: v.description ?? null,
          event_types: JSON.stringify(v.eventTypes),
          enabled: 1,
          rate_limit_per_second: v.rateLimitPerSecond ?? null,
          retry_schedule: v.retrySchedule ? JSON.stringify(v.retrySchedule) : null,
          secrets: this.o.vault.seal({ current: secret } satisfies EndpointSecrets, secretsContext(id)),
          failing_since: null,
          disabled_reason: null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return { ...rowToEndpoint(row), secret };
  }

  async list(tenantId: string): Promise<Endpoint[]> {
    const rows = await this.o.store.db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
    return rows.map(rowToEndpoint);
  }

  async row(tenantId: string, id: string): Promise<Selectable<WebhookEndpointsTable>> {
    const row = await this.o.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) throw new HubError('not_found', `No webhook endpoint ${id}`);
    return row;
  }

  async get(tenantId: string, id: string): Promise<Endpoint> {
    return rowToEndpoint(await this.row(tenantId, id));
  }

  /** Change fields; enabling clears the disabled reason and the failure streak. */
  async update(tenantId: string, id: string, input: unknown): Promise<Endpoint> {
    const parsed = updateEndpointInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    await this.row(tenantId, id);
    const url = v.url === undefined ? undefined : (await assertDeliverableUrl(v.url, this.o.allow, this.o.lookup)).href;
    const set: Partial<WebhookEndpointsTable> = { updated_at: this.o.clock.now() };
    if (url !== undefined) set.url = url;
    if (v.eventTypes !== undefined) set.event_types = JSON.stringify(v.eventTypes);
    if (v.description !== undefined) set.description = v.description;
    if (v.rateLimitPerSecond !== undefined) set.rate_limit_per_second = v.rateLimitPerSecond;
    if (v.retrySchedule !== undefined) set.retry_schedule = v.retrySchedule === null ? null : JSON.stringify(v.retrySchedule);
    if (v.enabled !== undefined) {
      set.enabled = v.enabled ? 1 : 0;
      set.disabled_reason = v.enabled ? null : 'disabled by API';
      if (v.enabled) set.failing_since = null;
    }
    const row = await this.o.store.write((trx) => trx.updateTable('webhook_endpoints').set(set).where('id', '=', id).where('tenant_id', '=', tenantId).returningAll().executeTakeFirstOrThrow());
    return rowToEndpoint(row);
  }

  /** Delete the endpoint; its pending deliveries die with it (their jobs find no endpoint). */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.row(tenantId, id);
    await this.o.store.write((trx) => trx.deleteFrom('webhook_endpoints').where('id', '=', id).where('tenant_id', '=', tenantId).execute());
  }

  /**
   * A new secret; the old one keeps signing beside it for 24 h.
   *
   * @example
   * const { secret } = await endpoints.rotateSecret('default', id);
   */
  async rotateSecret(tenantId: string, id: string): Promise<{ secret: string; previousValidUntil: string }> {
    const row = await this.row(tenantId, id);
    const old = this.o.vault.open<EndpointSecrets>(row.secrets, secretsContext(id));
    const now = this.o.clock.now();
    const secret = generateSecret();
    const next: EndpointSecrets = { current: secret, previous: old.current, previousUntil: now + ROTATION_OVERLAP_MS };
    await this.o.store.write((trx) => trx.updateTable('webhook_endpoints').set({ secrets: this.o.vault.seal(next, secretsContext(id)), updated_at: now }).where('id', '=', id).execute());
    return { secret, previousValidUntil: new Date(next.previousUntil!).toISOString() };
  }
}
