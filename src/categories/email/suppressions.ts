/**
 * The suppression list: addresses that hard-bounced, reported spam or unsubscribed. A send to a
 * suppressed address is refused before any provider is called.
 */
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import type { Store, Trx } from '../../store/store.js';
import type { EmailAddress } from './contract.js';
import './errors.js'; // registers the email error codes this file uses

export type SuppressionReason = 'bounce' | 'spam_report' | 'unsubscribe' | 'manual';

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  provider: string | null;
  createdAt: string;
}

const normalize = (email: string) => email.trim().toLowerCase();

export class Suppressions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Throws `recipient_suppressed` naming the first suppressed address. */
  async assertNone(tenantId: string, recipients: EmailAddress[]): Promise<void> {
    const emails = [...new Set(recipients.map((r) => normalize(r.email)))];
    if (emails.length === 0) return;
    const hit = await this.store.db
      .selectFrom('suppressions')
      .select(['email', 'reason'])
      .where('tenant_id', '=', tenantId)
      .where('email', 'in', emails)
      .executeTakeFirst();
    if (hit) {
      throw new HubError('recipient_suppressed', `${hit.email} is on the suppression list (${hit.reason}); remove it with DELETE /api/v1/integrations/email/suppressions/${encodeURIComponent(hit.email)} if the address is valid again`, {
        details: { email: hit.email, reason: hit.reason },
      });
    }
  }

  /** Which of these addresses are suppressed (lower-cased). */
  async filter(tenantId: string, emails: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const unique = [...new Set(emails.map(normalize))];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.store.db.selectFrom('suppressions').select('email').where('tenant_id', '=', tenantId).where('email', 'in', unique.slice(i, i + 500)).execute();
      for (const r of rows) out.add(r.email);
    }
    return out;
  }

  async list(tenantId: string, limit = 100, after?: string): Promise<Suppression[]> {
    let q = this.store.db.selectFrom('suppressions').selectAll().where('tenant_id', '=', tenantId).orderBy('email').limit(limit);
    if (after) q = q.where('email', '>', normalize(after));
    const rows = await q.execute();
    return rows.map((r) => ({ email: r.email, reason: r.reason as SuppressionReason, provider: r.provider, createdAt: new Date(r.created_at).toISOString() }));
  }

  add(tenantId: string, email: string, reason: SuppressionReason, provider: string | null = null): Promise<void> {
    return this.store.write((trx) => addSuppression(trx, tenantId, email, reason, provider, this.clock.now()));
  }

  async remove(tenantId: string, email: string): Promise<void> {
    const res = await this.store.write((trx) =>
      trx.deleteFrom('suppressions').where('tenant_id', '=', tenantId).where('email', '=', normalize(email)).executeTakeFirst(),
    );
    if (Number(res.numDeletedRows) === 0) throw new HubError('not_found', `${email} is not on the suppression list`);
  }
}

export async function addSuppression(trx: Trx, tenantId: string, email: string, reason: SuppressionReason, provider: string | null, now: number): Promise<void> {
  await trx
    .insertInto('suppressions')
    .values({ tenant_id: tenantId, email: normalize(email), reason, provider, created_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'email']).doNothing())
    .execute();
}
