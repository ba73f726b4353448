/**
 * Email message rows and the send job: what the service and bulk sends share. Status only moves
 * forward (a delivery event that arrived first is never overwritten by a late `sent`).
 */
import type { HubError } from '../../core/errors.js';
import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { Trx } from '../../store/store.js';
import type { EmailAddress, EmailMessage, EmailStatus } from './contract.js';

/** The durable job that sends (or re-sends after a crash) one message. */
export const SEND_JOB = 'email.send';

/** A message before a provider is chosen: `from` may still be open. */
export type PendingMessage = Omit<EmailMessage, 'from'> & { from?: EmailAddress };

export async function insertMessage(
  trx: Trx,
  tenantId: string,
  message: PendingMessage,
  status: EmailStatus,
  now: number,
  extra: { sendAt?: number; batchId?: string; error?: HubError } = {},
): Promise<void> {
  await trx
    .insertInto('email_messages')
    .values({
      id: message.id,
      tenant_id: tenantId,
      status,
      provider: null,
      provider_message_id: null,
      to_addr: JSON.stringify(message.to.map((a) => a.email)),
      subject: message.subject,
      message: JSON.stringify(message),
      send_at: extra.sendAt ?? null,
      batch_id: extra.batchId ?? null,
      error: extra.error ? JSON.stringify(extra.error.toJSON()) : null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** Record the provider that took it; never moves a message that events already advanced. */
export async function markSent(trx: Trx, id: string, provider: string, providerMessageId: string, now: number): Promise<void> {
  // One statement: the provider always, `sent` (and no error) only over queued or sending.
  const before = (eb: ExpressionBuilder<Database, 'email_messages'>) => eb('status', 'in', ['queued', 'sending']);
  await trx
    .updateTable('email_messages')
    .set((eb) => ({
      provider,
      provider_message_id: providerMessageId,
      updated_at: now,
      status: eb.case().when(before(eb)).then('sent').else(eb.ref('status')).end(),
      error: eb.case().when(before(eb)).then(null).else(eb.ref('error')).end(),
    }))
    .where('id', '=', id)
    .execute();
}

export async function markFailed(trx: Trx, id: string, err: HubError, now: number): Promise<void> {
  await trx
    .updateTable('email_messages')
    .set({ status: 'failed', error: JSON.stringify(err.toJSON()), updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'sending'])
    .execute();
}
