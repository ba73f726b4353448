/**
 * The voice category's own tables: the calls the hub placed or heard of (their tenant and a
 * status that only moves forward) and the tenants' IVR menus. Declared by the category
 * (`migrations` in `index.ts`); their types join the store's by declaration merging.
 */
import type { Migration } from 'kysely';
import { statusRank } from '../../store/status-rank.js';
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Store, Trx } from '../../store/store.js';
import { CALL_STATUS_RANK, type CallStatus, type IvrMenu } from './contract.js';

interface VoiceCallsTable {
  id: string;
  tenant_id: string;
  provider: string;
  call_sid: string;
  agent: string | null;
  customer: string | null;
  caller_id: string | null;
  status: string;
  status_at: number;
  created_at: number;
  updated_at: number;
}

interface VoiceIvrMenusTable {
  tenant_id: string;
  id: string;
  definition: string;
  updated_at: number;
}

declare module '../../store/schema.js' {
  interface Database {
    voice_calls: VoiceCallsTable;
    voice_ivr_menus: VoiceIvrMenusTable;
  }
}

/** `voice-001-tables`: calls (unique per provider call sid) and IVR menus (per tenant). */
export const voiceMigrations: Record<string, () => Migration> = {
  'voice-001-tables': () => ({
    async up(db) {
      await db.schema
        .createTable('voice_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('call_sid', 'text', (c) => c.notNull())
        .addColumn('agent', 'text')
        .addColumn('customer', 'text')
        .addColumn('caller_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('voice_calls_sid').on('voice_calls').columns(['provider', 'call_sid']).unique().execute();
      await db.schema.createIndex('voice_calls_tenant').on('voice_calls').columns(['tenant_id', 'created_at']).execute();
      await db.schema
        .createTable('voice_ivr_menus')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('voice_ivr_menus_pk', ['tenant_id', 'id'])
        .execute();
    },
  }),
};

/** A stored call, as the category reads it. */
export interface CallRecord {
  id: string;
  tenantId: string;
  provider: string;
  callSid: string;
  status: CallStatus;
}

const toRecord = (r: Pick<VoiceCallsTable, 'id' | 'tenant_id' | 'provider' | 'call_sid' | 'status'>): CallRecord => ({ id: r.id, tenantId: r.tenant_id, provider: r.provider, callSid: r.call_sid, status: r.status as CallStatus });

/** The calls table: rows written when the hub places a call or first hears of one. */
export class CallRecords {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Keep a call the hub placed (its tenant answers for its callbacks). A callback processed before
   * this write made the row already: it keeps its status, and takes the placing tenant and parties.
   */
  async placed(tenantId: string, provider: string, callSid: string, parties: { agent: string; customer: string; callerId: string }, status: CallStatus): Promise<CallRecord> {
    const now = this.clock.now();
    const row = { id: newId('call', now), tenant_id: tenantId, provider, call_sid: callSid, agent: parties.agent, customer: parties.customer, caller_id: parties.callerId, status, status_at: now, created_at: now, updated_at: now };
    return this.store.write(async (trx) => {
      await trx
        .insertInto('voice_calls')
        .values(row)
        .onConflict((oc) => oc.columns(['provider', 'call_sid']).doUpdateSet({ tenant_id: tenantId, agent: parties.agent, customer: parties.customer, caller_id: parties.callerId, updated_at: now }))
        .execute();
      return (await this.find(provider, callSid, trx))!;
    });
  }

  async find(provider: string, callSid: string, trx?: Trx): Promise<CallRecord | undefined> {
    const row = await (trx ?? this.store.db).selectFrom('voice_calls').select(['id', 'tenant_id', 'provider', 'call_sid', 'status']).where('provider', '=', provider).where('call_sid', '=', callSid).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The provider of a tenant's call, if the hub knows the call. */
  async providerOf(tenantId: string, callSid: string): Promise<string | undefined> {
    const row = await this.store.db.selectFrom('voice_calls').select('provider').where('tenant_id', '=', tenantId).where('call_sid', '=', callSid).executeTakeFirst();
    return row?.provider;
  }

  /**
   * Move a call to `status` if that is forward (a higher rank); insert it for `tenantId` if the hub
   * did not know it. Answers false (nothing written) for a status at or below the current one.
   */
  async advance(trx: Trx, tenantId: string, provider: string, callSid: string, status: CallStatus, at: number): Promise<{ moved: boolean; record: CallRecord }> {
    const now = this.clock.now();
    const row = { id: newId('call', now), tenant_id: tenantId, provider, call_sid: callSid, agent: null, customer: null, caller_id: null, status, status_at: at, created_at: now, updated_at: now };
    const inserted = await trx.insertInto('voice_calls').values(row).onConflict((oc) => oc.columns(['provider', 'call_sid']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { moved: true, record: toRecord(row) };
    // Forward only, decided by the UPDATE itself (a callback processed at the same moment in another transaction cannot undo it).
    const moved = await trx
      .updateTable('voice_calls')
      .set({ status, status_at: at, updated_at: now })
      .where('provider', '=', provider)
      .where('call_sid', '=', callSid)
      .where(statusRank(CALL_STATUS_RANK), '<', CALL_STATUS_RANK[status])
      .returning(['id', 'tenant_id', 'provider', 'call_sid', 'status'])
      .executeTakeFirst();
    if (moved) return { moved: true, record: toRecord(moved) };
    return { moved: false, record: (await this.find(provider, callSid, trx))! };
  }
}

/** A tenant's IVR menus, and those configured for every tenant (`VOICE_IVR_MENUS`; a tenant's own of the same id wins). */
export class MenuStore {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly configured: Record<string, IvrMenu> = {},
  ) {}

  async put(tenantId: string, menu: IvrMenu): Promise<IvrMenu> {
    const row = { tenant_id: tenantId, id: menu.id, definition: JSON.stringify(menu), updated_at: this.clock.now() };
    await this.store.write((trx) => trx.insertInto('voice_ivr_menus').values(row).onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet({ definition: row.definition, updated_at: row.updated_at })).execute());
    return menu;
  }

  async get(tenantId: string, id: string): Promise<IvrMenu> {
    const row = await this.store.db.selectFrom('voice_ivr_menus').select('definition').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (row) return JSON.parse(row.definition) as IvrMenu;
    const configured = Object.hasOwn(this.configured, id) ? this.configured[id] : undefined;
    if (configured) return configured;
    throw new HubError('not_found', `No IVR menu "${id}": create it with PUT /api/v1/voice/ivr/${id} (or in VOICE_IVR_MENUS)`);
  }

  /** The tenant's menus and the configured ones it has not replaced, by id. */
  async list(tenantId: string): Promise<IvrMenu[]> {
    const rows = await this.store.db.selectFrom('voice_ivr_menus').select('definition').where('tenant_id', '=', tenantId).orderBy('id').execute();
    const own = rows.map((r) => JSON.parse(r.definition) as IvrMenu);
    const ids = new Set(own.map((m) => m.id));
    return [...own, ...Object.values(this.configured).filter((m) => !ids.has(m.id))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const res = await this.store.write((trx) => trx.deleteFrom('voice_ivr_menus').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst());
    if (Number(res.numDeletedRows) > 0) return;
    throw new HubError('not_found', Object.hasOwn(this.configured, id) ? `IVR menu "${id}" is configured in VOICE_IVR_MENUS: change it there` : `No IVR menu "${id}"`);
  }
}
