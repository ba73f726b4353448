/**
 * Custom inbound sources per tenant: create, list, get, update (secret rotation), delete. The
 * secrets are sealed by the vault (bound to the source's row) and never come back out of the API.
 */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { zodToHubError } from '../../core/validation.js';
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { WebhookSourcesTable } from '../../store/schema.js';
import type { Store } from '../../store/store.js';
import type { Vault } from '../../vault/vault.js';
import { SCHEME_IDS, SCHEMES, type SchemeId } from './schemes.js';
import { STANDARD_SECRET, standardWebhooksKey } from '../standard-webhooks.js';

/** A source as the API shows it: never its secrets, only how many there are. */
export interface SourceView {
  id: string;
  name: string;
  scheme: SchemeId;
  /** The signature header (fixed by the scheme, or the one configured for hmac-sha256). */
  header: string | null;
  encoding: 'hex' | 'base64' | null;
  secretCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A source with its opened secrets, for verification. */
export interface OpenedSource extends SourceView {
  tenantId: string;
  secrets: string[];
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const secrets = z.array(z.string().min(1, 'must not be empty').max(1024)).min(1, 'give at least one secret').max(10, 'at most 10 secrets');
const common = {
  name: z.string().trim().min(1).max(200),
  secrets,
  header: z.string().regex(HEADER_NAME, 'an HTTP header name such as x-signature').optional(),
  encoding: z.enum(['hex', 'base64']).optional(),
};
export const createSourceInput = z.object({ ...common, scheme: z.enum(SCHEME_IDS) });
export const updateSourceInput = z.object({ name: common.name.optional(), secrets: secrets.optional(), header: common.header, encoding: common.encoding });
export type CreateSourceInput = z.input<typeof createSourceInput>;
export type UpdateSourceInput = z.input<typeof updateSourceInput>;

/** Cross-field rules: hmac-sha256 needs a header; other schemes fix theirs; whsec_ secrets. */
function checkScheme(scheme: SchemeId, v: { secrets?: string[]; header?: string | null; encoding?: string | null }, given: { header?: string; encoding?: string }): void {
  const errors: { field: string; message: string }[] = [];
  if (scheme === 'hmac-sha256' && !v.header) errors.push({ field: 'header', message: 'required for hmac-sha256: the header carrying the signature' });
  if (scheme !== 'hmac-sha256') {
    if (given.header !== undefined) errors.push({ field: 'header', message: `only for hmac-sha256 (${scheme} uses ${SCHEMES[scheme].header})` });
    if (given.encoding !== undefined) errors.push({ field: 'encoding', message: `only for hmac-sha256 (${scheme} uses ${SCHEMES[scheme].encoding})` });
  }
  if (scheme === 'standard-webhooks') {
    (v.secrets ?? []).forEach((s, i) => {
      const bytes = STANDARD_SECRET.test(s) ? standardWebhooksKey(s).length : 0;
      if (bytes < 24 || bytes > 64) errors.push({ field: `secrets.${i}`, message: 'must be whsec_ followed by the base64 of 24 to 64 bytes' });
    });
  }
  if (errors.length > 0) throw new HubError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}

/**
 * How long an opened source (row + unsealed secrets) serves receives without being read again: a
 * receive then costs no query and no decryption. Changes made through this process apply at once;
 * changes made by another hub process on the same database within this time.
 */
export const SOURCE_CACHE_MS = 2_000;
const SOURCE_CACHE_MAX = 1_000;

export class SourceStore {
  private readonly opened = new Map<string, { until: number; source: OpenedSource }>();

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {}

  /**
   * Validate and store a source; the secrets are sealed.
   *
   * @example
   * await sources.create('default', { name: 'billing', scheme: 'github', secrets: ['s3cret'] });
   */
  async create(tenantId: string, input: unknown): Promise<SourceView> {
    const parsed = createSourceInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    checkScheme(v.scheme, v, v);
    const now = this.clock.now();
    const id = newId('src', now);
    const hmac = v.scheme === 'hmac-sha256';
    const row = {
      id,
      tenant_id: tenantId,
      name: v.name,
      scheme: v.scheme,
      secrets: this.vault.seal({ secrets: v.secrets }, context(id)),
      header: hmac ? v.header!.toLowerCase() : null,
      encoding: hmac ? (v.encoding ?? 'hex') : null,
      created_at: now,
      updated_at: now,
    };
    await this.store.write((trx) => trx.insertInto('webhook_sources').values(row).execute());
    return toView(row, v.secrets.length);
  }

  /** The tenant's sources, oldest first. */
  async list(tenantId: string): Promise<SourceView[]> {
    const rows = await this.store.db.selectFrom('webhook_sources').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => toView(r, this.open(r).length));
  }

  /** One source of the tenant; 404 `not_found` otherwise. */
  async get(tenantId: string, id: string): Promise<SourceView> {
    const row = await this.row(tenantId, id);
    return toView(row, this.open(row).length);
  }

  /**
   * Change the name, signature header or encoding, or replace the secrets. To rotate, send the
   * new secret together with the old one, and drop the old one once the sender uses the new.
   *
   * @example
   * await sources.update('default', id, { secrets: [newSecret, oldSecret] });
   */
  async update(tenantId: string, id: string, input: unknown): Promise<SourceView> {
    const parsed = updateSourceInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    const row = await this.row(tenantId, id);
    const scheme = row.scheme as SchemeId;
    const next = { ...row, name: v.name ?? row.name, header: v.header?.toLowerCase() ?? row.header, encoding: v.encoding ?? row.encoding, updated_at: this.clock.now() };
    checkScheme(scheme, { secrets: v.secrets, header: next.header }, v);
    if (v.secrets) next.secrets = this.vault.seal({ secrets: v.secrets }, context(id));
    await this.store.write((trx) =>
      trx.updateTable('webhook_sources').set({ name: next.name, header: next.header, encoding: next.encoding, secrets: next.secrets, updated_at: next.updated_at }).where('id', '=', id).where('tenant_id', '=', tenantId).execute(),
    );
    this.opened.delete(id);
    return toView(next, v.secrets?.length ?? this.open(row).length);
  }

  /** Delete a source; later deliveries to its URL are 404. Its events stay. */
  async remove(tenantId: string, id: string): Promise<void> {
    const res = await this.store.write((trx) => trx.deleteFrom('webhook_sources').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst());
    this.opened.delete(id);
    if (Number(res.numDeletedRows) === 0) throw notFound(id);
  }

  /** A source by id alone (the public receive route), secrets opened; undefined if none. */
  async forReceive(id: string): Promise<OpenedSource | undefined> {
    const now = this.clock.now();
    const hit = this.opened.get(id);
    if (hit && hit.until > now) return hit.source;
    const row = await this.store.db.selectFrom('webhook_sources').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return void this.opened.delete(id); // unknown ids are not kept: they cannot fill the cache
    const secretList = this.open(row);
    const source = { ...toView(row, secretList.length), tenantId: row.tenant_id, secrets: secretList };
    if (this.opened.size >= SOURCE_CACHE_MAX) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(id, { until: now + SOURCE_CACHE_MS, source });
    return source;
  }

  private async row(tenantId: string, id: string): Promise<Selectable<WebhookSourcesTable>> {
    const row = await this.store.db.selectFrom('webhook_sources').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) throw notFound(id);
    return row;
  }

  private open(row: Selectable<WebhookSourcesTable>): string[] {
    return this.vault.open<{ secrets: string[] }>(row.secrets, context(row.id)).secrets;
  }
}

const context = (id: string) => `webhook_source:${id}`;
const notFound = (id: string) => new HubError('not_found', `No webhook source "${id}" for this tenant`);

function toView(row: Selectable<WebhookSourcesTable>, secretCount: number): SourceView {
  const scheme = row.scheme as SchemeId;
  const fixed = SCHEMES[scheme];
  return {
    id: row.id,
    name: row.name,
    scheme,
    header: row.header ?? fixed.header ?? null,
    encoding: (row.encoding ?? fixed.encoding ?? null) as SourceView['encoding'],
    secretCount,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}
