/**
 * The voice service (`hub.voice`): click-to-call along `VOICE_PROVIDERS` under the `not-acted`
 * failover policy (a call that may have been placed is never placed again elsewhere), the call
 * log and recordings at the provider that holds them, caller ID lookup, IVR menus per tenant and
 * the IVR route's verification and rendering.
 */
import type { ConnectionManager } from '../../connections/connections.js';
import { HubError } from '../../core/errors.js';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import type { CategoryContext } from '../category.js';
import type { Call, CallPage, IvrMenu, NumberLookup, Recording, RecordingMedia, VoiceProvider } from './contract.js';
import type { CallRecords, MenuStore } from './records.js';
import { callListQuery, callSid, clickToCallInput, e164, ivrMenuIdParam, ivrMenuInput, recordingFormat, recordingSid, type ClickToCallInput } from './schemas.js';
import './errors.js'; // registers the voice error codes

export interface VoiceServiceOptions {
  connections: ConnectionManager;
  failover: CategoryContext['failover'];
  /** `VOICE_PROVIDERS`; the first holds the call log, recordings and lookups unless a call says otherwise. */
  chain: string[];
  records: CallRecords;
  menus: MenuStore;
  /** `VOICE_CALLER_ID`: the caller ID when a call names none. */
  callerId?: string;
  /** The hub's public origin (`SWITCHBOARD_PUBLIC_URL`): status callbacks go to `<it>/webhooks/<provider>[/<connectionId>]`. */
  publicUrl?: string;
}

/** A placed call, with the hub's id for it. */
export type PlacedCall = Call & { hubCallId: string };

/** What the IVR route hands over: the request as the provider made it. */
export interface IvrRequest {
  tenantId: string;
  menuId: string;
  /** The public URL the provider called (signed by it). */
  url: string;
  /** The form-encoded body (empty for a GET). */
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

/** One value checked by `schema`, a 400 naming it `name` (`sid: must be a call sid …`). */
function param<S extends z.ZodType>(schema: S, name: string, value: unknown): z.output<S> {
  return (parseInput(z.object({ [name]: schema }), { [name]: value }) as Record<string, z.output<S>>)[name]!;
}

export class VoiceService {
  constructor(private readonly o: VoiceServiceOptions) {}

  private first(): string {
    const p = this.o.chain[0];
    if (!p) throw new HubError('not_configured', 'No voice provider is configured (VOICE_PROVIDERS)');
    return p;
  }

  private connector(tenantId: string, provider: string): Promise<VoiceProvider> {
    return this.o.connections.connector(tenantId, provider, 'voice');
  }

  /** Where `provider` posts this tenant's callbacks, when the hub knows its public URL. */
  private async callbackUrl(tenantId: string, provider: string): Promise<string | undefined> {
    if (!this.o.publicUrl) return undefined;
    const connection = await this.o.connections.forTenant(tenantId, provider);
    const own = connection && !connection.id.startsWith('conn_default_') ? `/${connection.id}` : '';
    return `${this.o.publicUrl.replace(/\/+$/, '')}/webhooks/${provider}${own}`;
  }

  /**
   * Click-to-call: the provider calls `agent`; once answered, the agent is bridged to `customer`
   * with `callerId` shown.
   *
   * @example
   * await hub.voice.call('default', { agent: '+14155550100', customer: '+14155550111', callerId: '+15005550006' });
   */
  async call(tenantId: string, input: ClickToCallInput): Promise<PlacedCall> {
    const v = parseInput(clickToCallInput, input);
    const callerId = v.callerId ?? this.o.callerId;
    const { provider, value } = await this.o.failover(async (p) => {
      const url = await this.callbackUrl(tenantId, p);
      return (await this.connector(tenantId, p)).placeCall({ agent: v.agent, customer: v.customer, callerId, record: v.record, timeoutSec: v.timeoutSec, statusCallbackUrl: url, recordingCallbackUrl: url });
    }, { exhausted: 'last' });
    const record = await this.o.records.placed(tenantId, provider, value.sid, { agent: v.agent, customer: v.customer, callerId: callerId ?? value.from }, value.status);
    return { ...value, hubCallId: record.id };
  }

  /** The call log at the first provider (or `provider`), newest first, with the provider's filters and paging. */
  async listCalls(tenantId: string, query: Record<string, unknown>, provider = this.first()): Promise<CallPage> {
    const q = parseInput(callListQuery, query);
    return (await this.connector(tenantId, provider)).listCalls({ to: q.to, from: q.from, status: q.status, startedAfter: q.startedAfter, startedBefore: q.startedBefore, pageSize: q.limit, cursor: q.cursor });
  }

  private async providerOfCall(tenantId: string, sid: string): Promise<string> {
    return (await this.o.records.providerOf(tenantId, sid)) ?? this.first();
  }

  async getCall(tenantId: string, sid: string): Promise<Call> {
    const id = param(callSid, 'sid', sid);
    return (await this.connector(tenantId, await this.providerOfCall(tenantId, id))).getCall(id);
  }

  async endCall(tenantId: string, sid: string): Promise<Call> {
    const id = param(callSid, 'sid', sid);
    return (await this.connector(tenantId, await this.providerOfCall(tenantId, id))).endCall(id);
  }

  async listRecordings(tenantId: string, sid: string): Promise<Recording[]> {
    const id = param(callSid, 'sid', sid);
    return (await this.connector(tenantId, await this.providerOfCall(tenantId, id))).listRecordings(id);
  }

  /** Start recording a call in progress; `call.recording.completed` tells when it is ready. */
  async startRecording(tenantId: string, sid: string): Promise<Recording> {
    const id = param(callSid, 'sid', sid);
    const provider = await this.providerOfCall(tenantId, id);
    return (await this.connector(tenantId, provider)).startRecording(id, { callbackUrl: await this.callbackUrl(tenantId, provider) });
  }

  async getRecording(tenantId: string, sid: string, provider = this.first()): Promise<Recording> {
    return (await this.connector(tenantId, provider)).getRecording(param(recordingSid, 'sid', sid));
  }

  /** The recording's bytes as a stream (`wav` by default), straight from the provider. */
  async recordingMedia(tenantId: string, sid: string, format?: string, provider = this.first()): Promise<RecordingMedia> {
    const id = param(recordingSid, 'sid', sid);
    return (await this.connector(tenantId, provider)).recordingMedia(id, param(recordingFormat, 'format', format));
  }

  async deleteRecording(tenantId: string, sid: string, provider = this.first()): Promise<void> {
    await (await this.connector(tenantId, provider)).deleteRecording(param(recordingSid, 'sid', sid));
  }

  /** Caller ID lookup: the number's owner name and line type. */
  async lookup(tenantId: string, phoneNumber: string): Promise<NumberLookup> {
    const number = param(e164, 'phoneNumber', phoneNumber);
    const { value } = await this.o.failover(async (p) => (await this.connector(tenantId, p)).lookup(number), { exhausted: 'last' });
    return value;
  }

  /** Create or replace an IVR menu. */
  async putMenu(tenantId: string, id: string, definition: unknown): Promise<IvrMenu> {
    const menuId = param(ivrMenuIdParam, 'menuId', id);
    const v = parseInput(ivrMenuInput, definition);
    return this.o.menus.put(tenantId, { id: menuId, ...v });
  }

  getMenu(tenantId: string, id: string): Promise<IvrMenu> {
    return this.o.menus.get(tenantId, id);
  }

  listMenus(tenantId: string): Promise<IvrMenu[]> {
    return this.o.menus.list(tenantId);
  }

  removeMenu(tenantId: string, id: string): Promise<void> {
    return this.o.menus.remove(tenantId, id);
  }

  /**
   * Answer the provider's request for a menu: verified with the tenant's connection (a request
   * not signed by the provider is refused), then rendered — the menu, or the option of `Digits`.
   */
  async ivr(req: IvrRequest, provider = this.first()): Promise<{ contentType: string; body: string }> {
    const voice = await this.connector(req.tenantId, provider);
    voice.verifyRequest({ url: req.url, rawBody: req.rawBody, headers: req.headers });
    const menu = await this.o.menus.get(req.tenantId, req.menuId);
    const self = new URL(req.url);
    const tenant = self.searchParams.get('tenant');
    const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : '';
    const base = `${self.origin}${self.pathname.replace(/\/[^/]*$/, '')}`;
    const urls = { self: `${base}/${encodeURIComponent(menu.id)}${query}`, menu: (id: string) => `${base}/${encodeURIComponent(id)}${query}` };
    const digits = new URLSearchParams(req.rawBody.toString('utf8')).get('Digits') ?? self.searchParams.get('Digits') ?? undefined;
    return voice.renderIvr(menu, urls, digits);
  }
}
