/**
 * SMS / WhatsApp message rows and the send job: what the service, bulk sends and tracking share.
 * Status only moves forward (a `delivered` that arrived first is never overwritten by a late
 * `sent` or by the provider's first answer).
 */
import type { HubError } from '../../core/errors.js';
import type { Trx } from '../../store/store.js';
import { SMS_STATUS_RANK, type SmsMessage, type SmsStatus } from './contract.js';
import type { SmsMessagesTable } from './migrations.js';

/** The durable job that sends (or re-sends after a crash, when nothing reached a provider) one message. */
export const SEND_JOB = 'sms.send';

/** Why a message was sent: shown on the message, and verification texts are never listed with their body. */
export type SmsPurpose = 'message' | 'verification' | 'alert' | 'bulk';

/** Statuses that may be replaced by the provider's first answer. */
export const BEFORE_PROVIDER: SmsStatus[] = ['pending', 'sending'];

export function messageRow(tenantId: string, m: SmsMessage, o: { status: SmsStatus; segments: number; purpose: SmsPurpose; now: number; sendAt?: number; batchId?: string; error?: HubError }): SmsMessagesTable {
  return {
    id: m.id,
    tenant_id: tenantId,
    channel: m.channel,
    status: o.status,
    provider: null,
    provider_message_id: null,
    to_number: m.to,
    from_number: m.from ?? null,
    segments: o.segments,
    message: JSON.stringify(m),
    purpose: o.purpose,
    send_at: o.sendAt ?? null,
    batch_id: o.batchId ?? null,
    error_code: o.error?.code ?? null,
    error: o.error ? JSON.stringify(o.error.toJSON()) : null,
    created_at: o.now,
    updated_at: o.now,
  };
}

/**
 * Record the provider that took the message and its answer; the status only if no event moved it
 * further already.
 */
export async function markSent(trx: Trx, id: string, r: { provider: string; providerMessageId: string; status: SmsStatus; segments?: number }, now: number): Promise<void> {
  const row = await trx.selectFrom('sms_messages').select(['status', 'segments']).where('id', '=', id).executeTakeFirst();
  if (!row) return;
  const current = row.status as SmsStatus;
  const status = SMS_STATUS_RANK[r.status] > SMS_STATUS_RANK[current] || BEFORE_PROVIDER.includes(current) ? r.status : current;
  await trx
    .updateTable('sms_messages')
    .set({ provider: r.provider, provider_message_id: r.providerMessageId, status, segments: r.segments ?? row.segments, error: null, error_code: null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(trx: Trx, id: string, err: HubError, now: number): Promise<void> {
  await trx
    .updateTable('sms_messages')
    .set({ status: 'failed', error_code: err.code, error: JSON.stringify(err.toJSON()), updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', BEFORE_PROVIDER)
    .execute();
}
