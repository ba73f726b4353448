/**
 * The email service: send (now or queued), failover across the provider chain, message status.
 * Bulk sending, templates and delivery tracking live beside it (bulk.ts, template-store.ts,
 * tracking.ts).
 */
import type { Clock } from '../../core/clock.js';
import { HubError, toHubError } from '../../core/errors.js';
import { zodToHubError } from '../../core/validation.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { ConnectionManager } from '../../connections/connections.js';
import type { ResolvedConnection } from '../../kit/connector.js';
import { enqueue, settlePending, type JobContext, type Queue } from '../../queue/queue.js';
import type { CategoryContext } from '../category.js';
import type { Store } from '../../store/store.js';
import type { EmailAddress, EmailStatus } from './contract.js';
import { sendEmailInput, type SendEmailInput } from './schemas.js';
import { insertMessage, markFailed, markSent, SEND_JOB, type PendingMessage } from './messages.js';
import type { TemplateStore } from './template-store.js';
import { BulkSender } from './bulk.js';
import { Suppressions } from './suppressions.js';

/** A send job fires this long after a synchronous send began, in case the process died mid-send. */
const RECOVERY_DELAY_MS = 5 * 60_000;


export interface SendResult {
  id: string;
  status: EmailStatus;
  provider?: string;
  providerMessageId?: string;
}

export interface EmailServiceOptions {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  templates: TemplateStore;
  clock: Clock;
  logger: Logger;
  /** Most recipients one bulk send may have (`BULK_MAX_RECIPIENTS`). */
  bulkMaxRecipients: number;
  /** Runs a send along `EMAIL_PROVIDERS` under the category's failover policy. */
  failover: CategoryContext['failover'];
  defaultFrom?: string;
}

export class EmailService {
  readonly suppressions: Suppressions;
  /** Templates (own and built-in), rendered with `{{variables}}`. */
  readonly templates: TemplateStore;
  /** Bulk sends: a batch of per-recipient jobs with progress. */
  readonly bulk: BulkSender;

  constructor(private readonly o: EmailServiceOptions) {
    this.suppressions = new Suppressions(o.store, o.clock);
    this.templates = o.templates;
    this.bulk = new BulkSender({ store: o.store, queue: o.queue, templates: o.templates, suppressions: this.suppressions, clock: o.clock, maxRecipients: o.bulkMaxRecipients });
    o.queue.register<{ messageId: string }>(SEND_JOB, (p, job) => this.runSendJob(p.messageId, job));
  }

  /**
   * Send one message. Answers once a provider accepted it (`status: 'sent'`), or at once with
   * `status: 'queued'` when it has `sendAt` or `async: true` (the durable queue sends it).
   *
   * @example
   * await hub.email.send('default', { to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
   */
  async send(tenantId: string, input: SendEmailInput): Promise<SendResult> {
    const parsed = sendEmailInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    const rendered = v.templateId ? await this.o.templates.render(tenantId, v.templateId, v.variables ?? {}) : { subject: v.subject!, html: v.html, text: v.text };
    const id = newId('msg', this.o.clock.now());
    const message: PendingMessage = {
      id,
      to: v.to,
      cc: v.cc,
      bcc: v.bcc,
      from: v.from,
      replyTo: v.replyTo,
      ...rendered,
      attachments: v.attachments,
      headers: v.headers,
      tags: v.tags,
      metadata: v.metadata,
    };
    await this.suppressions.assertNone(tenantId, [...v.to, ...(v.cc ?? []), ...(v.bcc ?? [])]);
    const queued = v.async === true || v.sendAt !== undefined;
    const now = this.o.clock.now();
    // A queued send is acknowledged now: durable first. A synchronous one is acknowledged after the
    // write recording the provider's answer, whose fsync covers this commit too; until then this
    // row and its recovery job survive a crash of the process (kill -9), not yet a power loss.
    const jobId = await this.o.store.write(async (trx) => {
      await insertMessage(trx, tenantId, message, queued ? 'queued' : 'sending', now, { sendAt: v.sendAt });
      return enqueue(trx, { type: SEND_JOB, payload: { messageId: id }, runAt: queued ? (v.sendAt ?? now) : now + RECOVERY_DELAY_MS }, now);
    }, { durable: queued });
    if (queued) {
      this.o.queue.wake();
      return { id, status: 'queued' };
    }
    try {
      const result = await this.deliver(tenantId, message);
      await this.o.store.write(async (trx) => {
        await markSent(trx, id, result.provider, result.providerMessageId, this.o.clock.now());
        await settlePending(trx, jobId, this.o.clock.now());
      });
      return { id, status: 'sent', provider: result.provider, providerMessageId: result.providerMessageId };
    } catch (err) {
      const e = toHubError(err);
      await this.o.store.write(async (trx) => {
        await markFailed(trx, id, e, this.o.clock.now());
        await settlePending(trx, jobId, this.o.clock.now(), e);
      });
      throw e;
    }
  }

  /** A message with its delivery events, or 404. */
  async get(tenantId: string, id: string) {
    const row = await this.o.store.db.selectFrom('email_messages').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) throw new HubError('not_found', `No email message ${id}`);
    const events = await this.o.store.db.selectFrom('email_events').selectAll().where('message_id', '=', id).orderBy('occurred_at').execute();
    return {
      id: row.id,
      provider: row.provider,
      providerMessageId: row.provider_message_id,
      status: row.status as EmailStatus,
      to: JSON.parse(row.to_addr) as string[],
      subject: row.subject,
      batchId: row.batch_id,
      sendAt: row.send_at === null ? null : new Date(row.send_at).toISOString(),
      error: row.error ? (JSON.parse(row.error) as unknown) : null,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      events: events.map((e) => ({ id: e.id, type: e.type, provider: e.provider, recipient: e.recipient, occurredAt: new Date(e.occurred_at).toISOString(), data: JSON.parse(e.data) as unknown })),
    };
  }

  /** Try each provider of the chain (failover); resolve `from` per provider. */
  async deliver(tenantId: string, message: PendingMessage) {
    const { provider, value, failures } = await this.o.failover(async (providerId) => {
      const conn = await this.o.connections.forTenant(tenantId, providerId);
      if (!conn) throw new HubError('not_configured', `${providerId} is not configured`, { provider: providerId });
      const from = message.from ?? this.defaultFrom(conn);
      return this.o.connections.connectorFor(conn, 'email').send({ ...message, from });
    });
    if (failures.length > 0) this.o.logger.warn({ messageId: message.id, provider, failures }, 'email: failed over');
    return { ...value, provider };
  }

  private async runSendJob(messageId: string, job: JobContext): Promise<void> {
    const row = await this.o.store.db.selectFrom('email_messages').selectAll().where('id', '=', messageId).executeTakeFirst();
    if (!row || (row.status !== 'queued' && row.status !== 'sending')) return; // already sent or failed: nothing to do
    const message = JSON.parse(row.message) as PendingMessage;
    try {
      await this.suppressions.assertNone(row.tenant_id, [...message.to, ...(message.cc ?? []), ...(message.bcc ?? [])]);
      const result = await this.deliver(row.tenant_id, message);
      await this.o.store.write((trx) => markSent(trx, messageId, result.provider, result.providerMessageId, this.o.clock.now()));
    } catch (err) {
      const e = toHubError(err);
      if (!e.retryable || job.attempt >= job.maxAttempts) await this.o.store.write((trx) => markFailed(trx, messageId, e, this.o.clock.now()));
      throw e;
    }
  }

  private defaultFrom(conn: ResolvedConnection): EmailAddress {
    const fromCreds = (conn.credentials as { fromEmail?: string }).fromEmail;
    const email = fromCreds ?? this.o.defaultFrom ?? (conn.mode === 'sandbox' ? 'noreply@switchboard.test' : undefined);
    if (!email) {
      const envName = this.o.connections.envVarOf(conn.provider, 'fromEmail') ?? 'EMAIL_FROM';
      throw new HubError('validation_failed', `from: no sender address; pass "from" or set ${envName} or EMAIL_FROM`, { errors: [{ field: 'from', message: 'is required' }] });
    }
    return { email };
  }
}
