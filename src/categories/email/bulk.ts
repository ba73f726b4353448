/**
 * Bulk sending: up to `BULK_MAX_RECIPIENTS` recipients with their own variables. The batch, one
 * message per recipient and one send job per message commit in one transaction, then 202. The
 * queue sends them paced by the provider's rate limit (the transport's limiter); a restart
 * resumes with the jobs still pending, and a message already sent is never sent again.
 */
import type { Clock } from '../../core/clock.js';
import { HubError, type FieldError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { enqueueMany, type Queue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import { bulkInput, type BulkInput } from './schemas.js';
import type { Suppressions } from './suppressions.js';
import type { TemplateStore } from './template-store.js';
import { render, type TemplateSource } from './templates.js';
import { SEND_JOB, type PendingMessage } from './messages.js';
import { zodToHubError } from '../../core/validation.js';
import { tally, type BatchProgress, type BatchRef } from '../jobs.js';
import './errors.js'; // registers the email error codes this file uses

const CHUNK = 200;
const SENT = ['sent', 'processed', 'deferred', 'delivered', 'opened', 'clicked', 'spam_report', 'unsubscribed'];
const FAILED = ['failed', 'bounced', 'dropped'];

export class BulkSender {
  constructor(
    private readonly o: { store: Store; queue: Queue; templates: TemplateStore; suppressions: Suppressions; clock: Clock; maxRecipients: number },
  ) {}

  /** Validate and render every recipient, then commit batch + messages + jobs at once. */
  async start(tenantId: string, input: BulkInput): Promise<{ id: string; status: 'queued'; total: number; suppressed: number }> {
    const parsed = bulkInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    if (v.recipients.length > this.o.maxRecipients) {
      throw new HubError('validation_failed', `recipients: at most ${this.o.maxRecipients} per bulk send (got ${v.recipients.length}); split the list`, {
        errors: [{ field: 'recipients', message: `at most ${this.o.maxRecipients}` }],
      });
    }
    const source: TemplateSource = v.templateId
      ? await this.o.templates.get(tenantId, v.templateId)
      : { name: 'bulk', subject: v.subject!, html: v.html, text: v.text };
    const now = this.o.clock.now();
    const batchId = newId('bulk', now);
    const errors: FieldError[] = [];
    const messages: PendingMessage[] = v.recipients.map((r, i) => {
      const vars = { email: r.to.email, name: r.to.name ?? r.to.email.split('@')[0], ...r.variables };
      try {
        return { id: newId('msg', now), to: [r.to], from: v.from, ...render(source, vars), tags: v.tags, metadata: { batchId, index: String(i) } };
      } catch (err) {
        for (const e of (err as HubError).errors ?? []) errors.push({ field: `recipients.${i}.${e.field}`, message: e.message });
        return undefined as never;
      }
    });
    if (errors.length > 0) throw new HubError('validation_failed', `${errors.length} recipient(s) lack variables the template needs: ${errors.slice(0, 5).map((e) => e.field).join(', ')}`, { errors: errors.slice(0, 100) });
    const suppressed = await this.o.suppressions.filter(tenantId, messages.map((m) => m.to[0]!.email));
    await this.o.store.transaction(async (trx) => {
      await trx.insertInto('batches').values({ id: batchId, tenant_id: tenantId, type: 'email.bulk', total: messages.length, meta: JSON.stringify({ templateId: v.templateId ?? null }), created_at: now }).execute();
      for (let i = 0; i < messages.length; i += CHUNK) {
        const chunk = messages.slice(i, i + CHUNK);
        await trx
          .insertInto('email_messages')
          .values(
            chunk.map((m) => {
              const blocked = suppressed.has(m.to[0]!.email.toLowerCase());
              const error = blocked ? JSON.stringify({ code: 'recipient_suppressed', message: `${m.to[0]!.email} is on the suppression list` }) : null;
              return { id: m.id, tenant_id: tenantId, status: blocked ? 'failed' : 'queued', provider: null, provider_message_id: null, to_addr: JSON.stringify([m.to[0]!.email]), subject: m.subject, message: JSON.stringify(m), send_at: null, batch_id: batchId, error, created_at: now, updated_at: now };
            }),
          )
          .execute();
        const jobs = chunk.filter((m) => !suppressed.has(m.to[0]!.email.toLowerCase()));
        if (jobs.length === 0) continue;
        await enqueueMany(trx, jobs.map((m) => ({ type: SEND_JOB, payload: { messageId: m.id }, priority: -1, maxAttempts: 8, batchId })), now);
      }
    });
    this.o.queue.wake();
    return { id: batchId, status: 'queued', total: messages.length, suppressed: suppressed.size };
  }

  /** Progress and per-recipient results (paged with `offset`/`limit`). */
  async progress(batch: BatchRef): Promise<BatchProgress> {
    const { id, offset, limit } = batch;
    const counts = await this.o.store.db.selectFrom('email_messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('batch_id', '=', id).groupBy('status').execute();
    const { sent, failed, pending } = tally(counts, batch.total, SENT, FAILED);
    const rows = await this.o.store.db
      .selectFrom('email_messages')
      .select(['id', 'to_addr', 'status', 'provider', 'error', 'message'])
      .where('batch_id', '=', id)
      .orderBy('id')
      .offset(offset)
      .limit(Math.min(limit, 1000))
      .execute();
    const results = rows.map((r) => ({
      index: Number((JSON.parse(r.message) as PendingMessage).metadata?.index ?? -1),
      to: (JSON.parse(r.to_addr) as string[])[0]!,
      messageId: r.id,
      status: r.status,
      provider: r.provider,
      error: r.error ? (JSON.parse(r.error) as unknown) : null,
    }));
    return {
      id,
      type: batch.type,
      status: pending === 0 ? 'completed' : 'running',
      total: batch.total,
      sent,
      failed,
      pending,
      createdAt: new Date(batch.createdAt).toISOString(),
      results,
      nextOffset: offset + rows.length < batch.total ? offset + rows.length : null,
    };
  }
}
