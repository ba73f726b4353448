/**
 * The per-tenant opt-out list: numbers that replied STOP (STOPALL, UNSUBSCRIBE, CANCEL, END,
 * QUIT) or that a provider reported unsubscribed (Twilio 21610). Sends to them are refused with
 * `recipient_opted_out` before any provider is asked; START (UNSTOP, YES) lifts it. Per channel:
 * a STOP by SMS does not stop WhatsApp messages.
 *
 * @see https://help.twilio.com/articles/223134027-Twilio-support-for-opt-out-keywords-SMS-STOP-filtering-
 */
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import type { Store, Trx } from '../../store/store.js';
import type { SmsChannel } from './contract.js';
import './errors.js';

export const STOP_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
export const START_KEYWORDS = new Set(['START', 'UNSTOP', 'YES']);

/**
 * The opt-out keyword a reply is, if it is one (the whole message, any case, surrounding spaces
 * and punctuation ignored, as carriers match them).
 *
 * @example
 * optOutKeyword(' Stop! ') // { action: 'stop', keyword: 'STOP' }
 * optOutKeyword('please stop') // undefined
 */
export function optOutKeyword(body: string): { action: 'stop' | 'start'; keyword: string } | undefined {
  const word = body.trim().replace(/[.!?]+$/, '').toUpperCase();
  if (STOP_KEYWORDS.has(word)) return { action: 'stop', keyword: word };
  if (START_KEYWORDS.has(word)) return { action: 'start', keyword: word };
  return undefined;
}

export async function addOptOut(trx: Trx, tenantId: string, channel: SmsChannel, phoneNumber: string, source: string, keyword: string | null, now: number): Promise<boolean> {
  const r = await trx
    .insertInto('sms_opt_outs')
    .values({ tenant_id: tenantId, channel, phone_number: phoneNumber, source, keyword, created_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'channel', 'phone_number']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function removeOptOut(trx: Trx, tenantId: string, channel: SmsChannel, phoneNumber: string): Promise<boolean> {
  const r = await trx.deleteFrom('sms_opt_outs').where('tenant_id', '=', tenantId).where('channel', '=', channel).where('phone_number', '=', phoneNumber).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export class OptOuts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Throws `recipient_opted_out` when the number is on the list. */
  async assertAllowed(tenantId: string, channel: SmsChannel, phoneNumber: string): Promise<void> {
    const row = await this.store.db.selectFrom('sms_opt_outs').select(['source', 'keyword']).where('tenant_id', '=', tenantId).where('channel', '=', channel).where('phone_number', '=', phoneNumber).executeTakeFirst();
    if (row) {
      const why = row.keyword ? `replied ${row.keyword}` : row.source === 'provider' ? 'is reported unsubscribed by the provider' : 'was opted out by hand';
      throw new HubError('recipient_opted_out', `${phoneNumber} ${why}: no ${channel === 'whatsapp' ? 'WhatsApp' : 'SMS'} messages may be sent to it until it replies START.`, {
        errors: [{ field: 'phoneNumber', message: 'has opted out' }],
        details: { phoneNumber, channel, source: row.source },
      });
    }
  }

  /** The numbers of `phoneNumbers` on the list. */
  async filter(tenantId: string, channel: SmsChannel, phoneNumbers: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < phoneNumbers.length; i += 500) {
      const rows = await this.store.db.selectFrom('sms_opt_outs').select('phone_number').where('tenant_id', '=', tenantId).where('channel', '=', channel).where('phone_number', 'in', phoneNumbers.slice(i, i + 500)).execute();
      for (const r of rows) out.add(r.phone_number);
    }
    return out;
  }

  async list(tenantId: string, limit: number, after?: string) {
    let q = this.store.db.selectFrom('sms_opt_outs').selectAll().where('tenant_id', '=', tenantId).orderBy('phone_number').limit(limit);
    if (after) q = q.where('phone_number', '>', after);
    return (await q.execute()).map((r) => ({ phoneNumber: r.phone_number, channel: r.channel, source: r.source, keyword: r.keyword, createdAt: new Date(Number(r.created_at)).toISOString() }));
  }

  async add(tenantId: string, channel: SmsChannel, phoneNumber: string): Promise<void> {
    await this.store.write((trx) => addOptOut(trx, tenantId, channel, phoneNumber, 'manual', null, this.clock.now()));
  }

  async remove(tenantId: string, channel: SmsChannel, phoneNumber: string): Promise<boolean> {
    return this.store.write((trx) => removeOptOut(trx, tenantId, channel, phoneNumber));
  }
}
