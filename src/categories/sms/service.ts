/**
 * The SMS / WhatsApp service: send (now or queued), failover along `SMS_PROVIDERS` only when the
 * provider surely did not act (a text that may have been sent is never sent again elsewhere),
 * opt-out checks, message status. Verification codes, bulk sends and delivery tracking live
 * beside it (verification.ts, bulk.ts, tracking.ts).
 *
 * @example
 * const r = await hub.sms.send('default', { phoneNumber: '+14155552671', message: 'Hello' });
 * // { id: 'sms_…', messageSid: 'SM…', status: 'queued', provider: 'twilio', segments: 1 }
 */
import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { HubError, surelyNotSent, toHubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { zodToHubError } from '../../core/validation.js';
import type { ConnectionManager } from '../../connections/connections.js';
import { DEFAULT_TENANT } from '../../connections/connections.js';
import type { ResolvedConnection } from '../../kit/connector.js';
import { enqueue, settlePending, type JobContext, type Queue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import type { CategoryContext } from '../category.js';
import { SMS_FINAL_STATUSES, SMS_STATUS_RANK, type SmsChannel, type SmsMessage, type SmsProvider, type SmsSendAnswer, type SmsStatus } from './contract.js';

export type { SmsSendAnswer } from './contract.js';
import { BEFORE_PROVIDER, markFailed, markSent, messageRow, SEND_JOB, type SmsPurpose } from './messages.js';
import { addOptOut, OptOuts } from './opt-outs.js';
import { smsSchemas, type AlertInput, type SendSmsInput, type SendWhatsAppInput, type SmsSchemas } from './schemas.js';
import { segmentsOf } from './segments.js';
import { SmsBulk } from './bulk.js';
import { Verifications, type VerificationSettings } from './verification.js';
import { adoptEarlyEvents } from './tracking.js';
import './errors.js';

/** A send job fires this long after a synchronous send began, in case the process died mid-send. */
const RECOVERY_DELAY_MS = 5 * 60_000;


export interface SmsServiceOptions {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  clock: Clock;
  logger: Logger;
  failover: CategoryContext['failover'];
  /** The provider chain (`SMS_PROVIDERS`): where a message left `sending` by a crash is looked for. */
  chain: string[];
  /** `SMS_BULK_MAX_RECIPIENTS`. */
  bulkMaxRecipients: number;
  verification: VerificationSettings;
  /** `SMS_DEFAULT_COUNTRY`: national numbers of this country are accepted. */
  defaultCountry?: string;
  /** `SWITCHBOARD_PUBLIC_URL`: status callbacks go to `<it>/webhooks/<provider>`. */
  publicUrl?: string;
}

/** A message before it is stored: what the send path needs besides the message. */
interface Dispatch {
  purpose: SmsPurpose;
  queued: boolean;
  sendAt?: number;
  /** Stored instead of the body (a verification code is never kept in plaintext). */
  redactedBody?: string;
}

export class SmsService {
  readonly optOuts: OptOuts;
  readonly schemas: SmsSchemas;
  /** Bulk sends: a batch of per-recipient jobs with progress (`hub.sms.bulk.start`). */
  readonly bulk: SmsBulk;
  /** Verification codes (`hub.sms.verification.send` / `.check`). */
  readonly verification: Verifications;

  constructor(private readonly o: SmsServiceOptions) {
    this.optOuts = new OptOuts(o.store, o.clock);
    this.schemas = smsSchemas(o.defaultCountry);
    this.bulk = new SmsBulk({ store: o.store, queue: o.queue, clock: o.clock, optOuts: this.optOuts, schemas: this.schemas, maxRecipients: o.bulkMaxRecipients });
    this.verification = new Verifications({ store: o.store, clock: o.clock, sms: this, settings: o.verification, chain: o.chain });
    o.queue.register<{ messageId: string }>(SEND_JOB, (p, job) => this.runSendJob(p.messageId, job));
  }

  /**
   * Send one SMS (MMS with `mediaUrls`). Answers once a provider accepted it, or at once with
   * `status: 'pending'` (202) when it has `sendAt` or `async: true`.
   *
   * @example
   * await hub.sms.send('default', { phoneNumber: '+14155552671', message: 'Your order shipped' });
   */
  async send(tenantId: string, input: SendSmsInput, purpose: SmsPurpose = 'message'): Promise<SmsSendAnswer> {
    return this.sendParsed(tenantId, 'sms', this.parse(this.schemas.sendInput, input), purpose);
  }

  /**
   * Send one WhatsApp message: text, media, or an approved template (`contentSid` +
   * `contentVariables`).
   *
   * @example
   * await hub.sms.whatsapp('default', { phoneNumber: '+14155552671', message: 'Hello from WhatsApp!' });
   */
  async whatsapp(tenantId: string, input: SendWhatsAppInput): Promise<SmsSendAnswer> {
    return this.sendParsed(tenantId, 'whatsapp', this.parse(this.schemas.whatsappInput, input), 'message');
  }

  /** The guide's `sendSMS(phoneNumber, message)` for library users (default tenant). */
  sendSMS(phoneNumber: string, message: string, tenantId: string = DEFAULT_TENANT): Promise<SmsSendAnswer> {
    return this.send(tenantId, { phoneNumber, message });
  }

  /** The guide's `sendWhatsApp(phoneNumber, message)` for library users (default tenant). */
  sendWhatsApp(phoneNumber: string, message: string, tenantId: string = DEFAULT_TENANT): Promise<SmsSendAnswer> {
    return this.whatsapp(tenantId, { phoneNumber, message });
  }

  /**
   * An alert to one or several numbers (`[CRITICAL]` / `[WARNING]` before the text); each number
   * is sent on its own, and one failing does not stop the others.
   *
   * @example
   * await hub.sms.alert('default', { phoneNumbers: ['+14155552671'], message: 'Disk full on db-1', severity: 'critical' });
   */
  async alert(tenantId: string, input: AlertInput) {
    const v = this.parse(this.schemas.alertInput, input);
    const numbers = [...new Set([...(v.phoneNumber ? [v.phoneNumber] : []), ...(v.phoneNumbers ?? [])])];
    const text = v.severity === 'info' ? v.message : `[${v.severity.toUpperCase()}] ${v.message}`;
    const results = await Promise.all(
      numbers.map(async (to) => {
        try {
          return { phoneNumber: to, ...(await this.sendParsed(tenantId, 'sms', { to, body: text, from: v.from }, 'alert')) };
        } catch (err) {
          const e = toHubError(err);
          return { phoneNumber: to, id: null, messageSid: null, status: 'failed' as const, provider: e.provider ?? null, segments: 0, error: { code: e.code, message: e.message } };
        }
      }),
    );
    return { severity: v.severity, sent: results.filter((r) => r.status !== 'failed').length, failed: results.filter((r) => r.status === 'failed').length, results };
  }

  private parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    return parsed.data;
  }

  /** A parsed send of either channel. */
  async sendParsed(
    tenantId: string,
    channel: SmsChannel,
    v: { phoneNumber?: string; to?: string; message?: string; body?: string; from?: string; mediaUrls?: string[]; statusCallback?: string; sendAt?: string; async?: boolean; contentSid?: string; contentVariables?: Record<string, string> },
    purpose: SmsPurpose,
    extra: { redactedBody?: string } = {},
  ): Promise<SmsSendAnswer> {
    const message: SmsMessage = {
      id: newId(channel === 'whatsapp' ? 'wa' : 'sms', this.o.clock.now()),
      channel,
      to: (v.phoneNumber ?? v.to)!,
      ...(v.from ? { from: v.from } : {}),
      ...(v.message ?? v.body ? { body: v.message ?? v.body } : {}),
      ...(v.mediaUrls?.length ? { mediaUrls: v.mediaUrls } : {}),
      ...(v.statusCallback ? { statusCallback: v.statusCallback } : {}),
      ...(v.contentSid ? { contentSid: v.contentSid } : {}),
      ...(v.contentVariables ? { contentVariables: v.contentVariables } : {}),
    };
    const sendAt = v.sendAt ? Date.parse(v.sendAt) : undefined;
    return this.dispatch(tenantId, message, { purpose, queued: v.async === true || sendAt !== undefined, sendAt, redactedBody: extra.redactedBody });
  }

  /** Store, then send now (answer after the provider) or leave to the queue (answer at once). */
  private async dispatch(tenantId: string, message: SmsMessage, d: Dispatch): Promise<SmsSendAnswer> {
    await this.optOuts.assertAllowed(tenantId, message.channel, message.to);
    const segments = segmentsOf(message);
    const now = this.o.clock.now();
    const stored = d.redactedBody !== undefined ? { ...message, body: d.redactedBody } : message;
    const jobId = await this.o.store.write(
      async (trx) => {
        await trx.insertInto('sms_messages').values(messageRow(tenantId, stored, { status: d.queued ? 'pending' : 'sending', segments, purpose: d.purpose, now, sendAt: d.sendAt })).execute();
        return enqueue(trx, { type: SEND_JOB, payload: { messageId: message.id }, runAt: d.queued ? (d.sendAt ?? now) : now + RECOVERY_DELAY_MS }, now);
      },
      { durable: d.queued },
    );
    if (d.queued) {
      this.o.queue.wake();
      return { id: message.id, messageSid: null, status: 'pending', provider: null, segments };
    }
    try {
      const r = await this.deliver(tenantId, message);
      await this.o.store.write(async (trx) => {
        await markSent(trx, message.id, r, this.o.clock.now());
        await adoptEarlyEvents(trx, message.id, r.provider, r.providerMessageId, this.o.clock.now());
        await settlePending(trx, jobId, this.o.clock.now());
      });
      return { id: message.id, messageSid: r.providerMessageId, status: r.status, provider: r.provider, segments: r.segments ?? segments };
    } catch (err) {
      const e = toHubError(err);
      await this.o.store.write(async (trx) => {
        await markFailed(trx, message.id, e, this.o.clock.now());
        await settlePending(trx, jobId, this.o.clock.now(), e);
        if (e.code === 'recipient_opted_out' && e.provider) await addOptOut(trx, tenantId, message.channel, message.to, 'provider', null, this.o.clock.now());
      });
      throw e;
    }
  }

  /** The connector of a provider for a tenant, or `not_configured`. */
  async connector(tenantId: string, providerId: string): Promise<{ conn: ResolvedConnection; sms: SmsProvider }> {
    const conn = await this.o.connections.forTenant(tenantId, providerId);
    if (!conn) throw new HubError('not_configured', `${providerId} is not configured`, { provider: providerId });
    return { conn, sms: this.o.connections.connectorFor(conn, 'sms') };
  }

  /** Try each provider of the chain while the previous one surely did not act. */
  async deliver(tenantId: string, message: SmsMessage, options: { signal?: AbortSignal } = {}) {
    const { provider, value, failures } = await this.o.failover(async (providerId) => {
      const { conn, sms } = await this.connector(tenantId, providerId);
      if (message.channel === 'whatsapp' && !sms.capabilities.has('whatsapp')) {
        throw new HubError('capability_unsupported', `${providerId} does not send WhatsApp messages`, { provider: providerId });
      }
      if ((message.mediaUrls?.length ?? 0) > 0 && !sms.capabilities.has('mms') && message.channel === 'sms') {
        throw new HubError('capability_unsupported', `${providerId} does not send MMS (mediaUrls)`, { provider: providerId });
      }
      const statusCallback = message.statusCallback ?? this.callbackUrl(conn);
      return sms.send({ ...message, ...(statusCallback ? { statusCallback } : {}) }, options);
    });
    if (failures.length > 0) this.o.logger.warn({ messageId: message.id, provider, failures }, 'sms: failed over');
    return { ...value, provider };
  }

  /** `<SWITCHBOARD_PUBLIC_URL>/webhooks/<provider>[/<connection>]`, when the hub knows its public URL. */
  private callbackUrl(conn: ResolvedConnection): string | undefined {
    if (!this.o.publicUrl) return undefined;
    const base = `${this.o.publicUrl.replace(/\/+$/, '')}/webhooks/${conn.provider}`;
    return conn.id.startsWith('conn_default_') ? base : `${base}/${encodeURIComponent(conn.id)}`;
  }

  /**
   * The send job: a queued message is sent; a message left `sending` by a process that died is
   * first looked for at the provider (found: recorded as sent, not sent again).
   */
  private async runSendJob(messageId: string, job: JobContext): Promise<void> {
    const row = await this.o.store.db.selectFrom('sms_messages').selectAll().where('id', '=', messageId).executeTakeFirst();
    if (!row || !BEFORE_PROVIDER.includes(row.status as SmsStatus)) return; // sent, failed or gone: nothing to do
    const message = JSON.parse(row.message) as SmsMessage;
    try {
      if (row.purpose === 'verification') {
        throw new HubError('provider_timeout', 'The hub stopped while sending this verification code; the code is not kept in plaintext, so it is not sent again: request a new one.', { retryable: false });
      }
      if (row.status === 'sending') {
        const found = await this.reconcile(row.tenant_id, message, Number(row.updated_at));
        if (found) {
          await this.o.store.write(async (trx) => {
            await markSent(trx, messageId, found, this.o.clock.now());
            await adoptEarlyEvents(trx, messageId, found.provider, found.providerMessageId, this.o.clock.now());
          });
          return;
        }
      } else {
        await this.optOuts.assertAllowed(row.tenant_id, message.channel, message.to);
        // Durably `sending` before the provider is asked: a crash from here on is reconciled, never re-sent blindly.
        await this.o.store.write((trx) => trx.updateTable('sms_messages').set({ status: 'sending', updated_at: this.o.clock.now() }).where('id', '=', messageId).where('status', '=', 'pending').execute(), { durable: true });
      }
      const r = await this.deliver(row.tenant_id, message, { signal: job.signal });
      await this.o.store.write(async (trx) => {
        await markSent(trx, messageId, r, this.o.clock.now());
        await adoptEarlyEvents(trx, messageId, r.provider, r.providerMessageId, this.o.clock.now());
      });
    } catch (err) {
      const e = toHubError(err);
      const last = !e.retryable || job.attempt >= job.maxAttempts;
      await this.o.store.write(async (trx) => {
        // A provider that surely did not act: back to `pending`, the next attempt sends. An unknown
        // outcome (a dropped connection, a timeout, a 5xx): it stays `sending`, and the next attempt
        // looks the message up at the provider before sending anything.
        if (last) await markFailed(trx, messageId, e, this.o.clock.now());
        else if (surelyNotSent(e)) await trx.updateTable('sms_messages').set({ status: 'pending', updated_at: this.o.clock.now() }).where('id', '=', messageId).where('status', '=', 'sending').execute();
        if (e.code === 'recipient_opted_out' && e.provider) await addOptOut(trx, row.tenant_id, message.channel, message.to, 'provider', null, this.o.clock.now());
      });
      if (!last) throw e;
    }
  }

  /** A message the providers of the chain already hold for this send (a crash between their answer and our write). */
  private async reconcile(tenantId: string, message: SmsMessage, since: number) {
    let lookedUp = false;
    for (const providerId of this.chain()) {
      try {
        const { sms } = await this.connector(tenantId, providerId);
        if (!sms.findSent) continue;
        lookedUp = true;
        const found = await sms.findSent(message, since - 60_000);
        if (found) return { provider: providerId, providerMessageId: found.providerMessageId, status: found.status, segments: found.segments };
      } catch (err) {
        // Unknown outcome: better no text than two.
        throw new HubError('provider_timeout', `The hub stopped while ${providerId} was sending this message and its status could not be checked (${toHubError(err).message}); not sent again.`, { retryable: true, provider: providerId });
      }
    }
    if (!lookedUp) throw new HubError('provider_timeout', 'The hub stopped while this message was being sent and no provider can tell whether it arrived; not sent again.', { retryable: false });
    return undefined;
  }

  private chain(): string[] {
    return this.o.chain;
  }

  /**
   * A message by the hub's id or the provider's SID, with its events. A message not yet final is
   * refreshed from the provider first (the status moves forward only).
   *
   * @example
   * await hub.sms.status('default', 'SM0123…') // { id, messageSid, status: 'delivered', … }
   */
  async status(tenantId: string, idOrSid: string) {
    let row = await this.o.store.db
      .selectFrom('sms_messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', idOrSid), eb('provider_message_id', '=', idOrSid)]))
      .executeTakeFirst();
    if (!row) throw new HubError('not_found', `No SMS or WhatsApp message ${idOrSid} (give the id or messageSid a send answered)`);
    if (row.provider && row.provider_message_id && !SMS_FINAL_STATUSES.has(row.status as SmsStatus) && !BEFORE_PROVIDER.includes(row.status as SmsStatus)) {
      try {
        const { sms } = await this.connector(tenantId, row.provider);
        const live = await sms.fetchStatus?.(row.provider_message_id);
        if (live && SMS_STATUS_RANK[live.status] > SMS_STATUS_RANK[row.status as SmsStatus]) {
          const id = row.id;
          await this.o.store.write((trx) =>
            trx
              .updateTable('sms_messages')
              .set({ status: live.status, updated_at: this.o.clock.now(), ...(live.errorCode ? { error_code: String(live.errorCode), error: JSON.stringify({ code: live.errorCode, message: live.errorMessage ?? null }) } : {}) })
              .where('id', '=', id)
              .execute(),
          );
          row = { ...row, status: live.status };
        }
      } catch (err) {
        this.o.logger.warn({ messageId: row.id, err: toHubError(err).message }, 'sms: status refresh failed; answering the stored status');
      }
    }
    const events = await this.o.store.db.selectFrom('sms_events').selectAll().where('message_id', '=', row.id).orderBy('occurred_at').execute();
    const body = (JSON.parse(row.message) as SmsMessage).body;
    return {
      id: row.id,
      messageSid: row.provider_message_id,
      status: row.status as SmsStatus,
      provider: row.provider,
      channel: row.channel as SmsChannel,
      to: row.to_number,
      from: row.from_number,
      segments: Number(row.segments),
      purpose: row.purpose,
      ...(row.purpose === 'verification' ? {} : { body: body ?? null }),
      batchId: row.batch_id,
      error: row.error ? (JSON.parse(row.error) as unknown) : null,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      updatedAt: new Date(Number(row.updated_at)).toISOString(),
      events: events.map((e) => ({ id: e.id, type: e.type, provider: e.provider, occurredAt: new Date(Number(e.occurred_at)).toISOString(), data: JSON.parse(e.data) as unknown })),
    };
  }
}
