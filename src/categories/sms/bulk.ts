/**
 * Bulk sending: up to `SMS_BULK_MAX_RECIPIENTS` (10,000) recipients, each with its own
 * `{{variables}}`. The batch, one message per recipient and one send job per message commit in
 * one transaction, then 202 with the job id (`GET /api/v1/jobs/:id`). The queue sends them paced
 * by the provider's rate (the transport's limiter: `RATE_LIMIT_TWILIO`); a restart resumes with
 * the jobs still pending, and a message a provider may already hold is looked up there instead of
 * being sent again.
 */
import type { Clock } from '../../core/clock.js';
import { HubError, type FieldError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { zodToHubError } from '../../core/validation.js';
import { enqueueMany, type Queue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import { tally, type BatchProgress, type BatchRef } from '../jobs.js';
import type { SmsMessage } from './contract.js';
import { messageRow, SEND_JOB } from './messages.js';
import type { OptOuts } from './opt-outs.js';
import { MAX_BODY, type SmsBulkInput, type SmsSchemas } from './schemas.js';
import { segmentsOf } from './segments.js';
import './errors.js';

const CHUNK = 200;
const SENT = ['accepted', 'scheduled', 'queued', 'sent', 'delivered', 'read'];
const FAILED = ['failed', 'undelivered', 'canceled'];
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * `{{name}}` → the recipient's variable (`{{phoneNumber}}` is always there); a missing one is
 * named.
 *
 * @example
 * renderText('Hi {{name}}', { name: 'Ann' }) // { text: 'Hi Ann', missing: [] }
 */
export function renderText(template: string, vars: Record<string, unknown>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const v = vars[name];
    if (v === undefined || v === null) {
      missing.push(name);
      return '';
    }
    return String(v);
  });
  return { text, missing };
}

export class SmsBulk {
  constructor(private readonly o: { store: Store; queue: Queue; clock: Clock; optOuts: OptOuts; schemas: SmsSchemas; maxRecipients: number }) {}

  /**
   * Validate and render every recipient, then commit batch + messages + jobs at once.
   *
   * @example
   * await hub.sms.bulk.start('default', { message: 'Hi {{name}}', recipients: [{ phoneNumber: '+14155552671', variables: { name: 'Ann' } }] })
   * // { id: 'smsbulk_…', status: 'queued', total: 1, optedOut: 0 }
   */
  async start(tenantId: string, input: SmsBulkInput): Promise<{ id: string; status: 'queued'; total: number; optedOut: number; segments: number }> {
    const parsed = this.o.schemas.bulkInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    if (v.recipients.length > this.o.maxRecipients) {
      throw new HubError('validation_failed', `recipients: at most ${this.o.maxRecipients} per bulk send (got ${v.recipients.length}); split the list`, {
        errors: [{ field: 'recipients', message: `at most ${this.o.maxRecipients}` }],
      });
    }
    const now = this.o.clock.now();
    const batchId = newId('smsbulk', now);
    const errors: FieldError[] = [];
    const messages: SmsMessage[] = v.recipients.map((r, i) => {
      const { text, missing } = renderText(v.message, { phoneNumber: r.phoneNumber, ...r.variables });
      for (const name of missing) errors.push({ field: `recipients.${i}.variables.${name}`, message: `is missing: the message uses {{${name}}}` });
      if ([...text].length > MAX_BODY) errors.push({ field: `recipients.${i}`, message: `the rendered message has ${[...text].length} characters; at most ${MAX_BODY}` });
      return { id: newId(v.channel === 'whatsapp' ? 'wa' : 'sms', now), channel: v.channel, to: r.phoneNumber, ...(v.from ? { from: v.from } : {}), body: text };
    });
    if (errors.length > 0) {
      throw new HubError('validation_failed', `${errors.length} recipient(s) cannot be rendered: ${errors.slice(0, 5).map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors: errors.slice(0, 100) });
    }
    const optedOut = await this.o.optOuts.filter(tenantId, v.channel, messages.map((m) => m.to));
    let segments = 0;
    await this.o.store.transaction(async (trx) => {
      await trx.insertInto('batches').values({ id: batchId, tenant_id: tenantId, type: 'sms.bulk', total: messages.length, meta: JSON.stringify({ channel: v.channel }), created_at: now }).execute();
      for (let i = 0; i < messages.length; i += CHUNK) {
        const chunk = messages.slice(i, i + CHUNK);
        await trx
          .insertInto('sms_messages')
          .values(
            chunk.map((m, j) => {
              const blocked = optedOut.has(m.to);
              const s = segmentsOf(m);
              if (!blocked) segments += s;
              const row = messageRow(tenantId, m, { status: blocked ? 'failed' : 'pending', segments: s, purpose: 'bulk', now, batchId });
              row.message = JSON.stringify({ ...m, index: i + j });
              if (blocked) Object.assign(row, { error_code: 'recipient_opted_out', error: JSON.stringify({ code: 'recipient_opted_out', message: `${m.to} replied STOP` }) });
              return row;
            }),
          )
          .execute();
        const jobs = chunk.filter((m) => !optedOut.has(m.to));
        if (jobs.length === 0) continue;
        await enqueueMany(trx, jobs.map((m) => ({ type: SEND_JOB, payload: { messageId: m.id }, priority: -1, maxAttempts: 8, batchId })), now);
      }
    });
    this.o.queue.wake();
    return { id: batchId, status: 'queued', total: messages.length, optedOut: optedOut.size, segments };
  }

  /** Progress and per-recipient results (paged with `offset`/`limit`). */
  async progress(batch: BatchRef): Promise<BatchProgress> {
    const { id, offset, limit } = batch;
    const counts = await this.o.store.db.selectFrom('sms_messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('batch_id', '=', id).groupBy('status').execute();
    const { sent, failed, pending } = tally(counts, batch.total, SENT, FAILED);
    const rows = await this.o.store.db
      .selectFrom('sms_messages')
      .select(['id', 'to_number', 'status', 'provider', 'provider_message_id', 'error', 'message'])
      .where('batch_id', '=', id)
      .orderBy('id')
      .offset(offset)
      .limit(Math.min(limit, 1000))
      .execute();
    return {
      id,
      type: batch.type,
      status: pending === 0 ? 'completed' : 'running',
      total: batch.total,
      sent,
      failed,
      pending,
      createdAt: new Date(batch.createdAt).toISOString(),
      results: rows.map((r) => ({
        index: Number((JSON.parse(r.message) as { index?: number }).index ?? -1),
        to: r.to_number,
        messageId: r.id,
        messageSid: r.provider_message_id,
        status: r.status,
        provider: r.provider,
        error: r.error ? (JSON.parse(r.error) as unknown) : null,
      })),
      nextOffset: offset + rows.length < batch.total ? offset + rows.length : null,
    };
  }
}
