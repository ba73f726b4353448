/**
 * Forward-only status writes that hold under concurrent transactions: the rank comparison is in
 * the UPDATE's WHERE, so two deliveries of one message's callbacks processed at once (PostgreSQL
 * runs groups on several connections) can never move it backwards, whichever commits last. A
 * status read beforehand in JavaScript could be stale by the time its UPDATE runs.
 *
 * @example
 * await trx.updateTable('sms_messages').set({ status }).where('id', '=', id)
 *   .where(statusRank(SMS_STATUS_RANK), '<', SMS_STATUS_RANK[status]).execute();
 */
import { sql, type RawBuilder } from 'kysely';

/** `(case <column> when 'queued' then 0 … else -1 end)`: the rank of the row's status (unknown: -1). */
export function statusRank(ranks: Readonly<Record<string, number>>, column = 'status'): RawBuilder<number> {
  const cases = Object.entries(ranks).map(([status, rank]) => sql`when ${sql.lit(status)} then ${sql.lit(rank)}`);
  return sql<number>`(case ${sql.ref(column)} ${sql.join(cases, sql` `)} else -1 end)`;
}
