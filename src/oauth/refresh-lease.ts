/**
 * The refresh lease: one row per connection in `oauth_refresh_leases`, so that processes sharing
 * a store make one token request for a connection at a time.
 *
 * - Taken with one atomic statement (an upsert whose update applies only when the lease is free or
 *   expired); each taking gets a fresh `lease_id`, the fence its final write must still match.
 * - Before a refresh token is sent, its sha256 is recorded on the lease (`markSent`, durable). The
 *   final write clears it together with writing the answer and freeing the lease. A holder that
 *   dies between sending and that write leaves the mark: the next holder learns that the refresh
 *   token it reads may already be spent (rotated away) at the provider, and says so.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Store, Trx } from '../store/store.js';

export interface Lease {
  connectionId: string;
  leaseId: string;
  until: number;
  /** A refresh token sent under an earlier lease that never finished (its holder died or timed out). */
  unfinished?: { hash: string; by: string | null; at: number | null };
}

/**
 * sha256 of a refresh token, as recorded on a lease.
 *
 * @example
 * lease.unfinished?.hash === tokenHash(refreshToken)
 */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Takes the lease of `connectionId` for `ms` when it is free or expired; undefined while another holds it.
 *
 * @example
 * const lease = await takeLease(store, connection.id, 'host:4242', clock.now(), 60_000);
 */
export async function takeLease(store: Store, connectionId: string, owner: string, now: number, ms: number): Promise<Lease | undefined> {
  const leaseId = randomUUID();
  const until = now + ms;
  const row = await store.write((trx) =>
    trx
      .insertInto('oauth_refresh_leases')
      .values({ connection_id: connectionId, lease_id: leaseId, owner, lease_until: until, sent_hash: null, sent_by: null, sent_at: null, updated_at: now })
      .onConflict((oc) =>
        oc
          .column('connection_id')
          .doUpdateSet({ lease_id: leaseId, owner, lease_until: until, updated_at: now })
          .where((eb) => eb.or([eb('oauth_refresh_leases.lease_id', 'is', null), eb('oauth_refresh_leases.lease_until', '<=', now)])),
      )
      .returning(['lease_id', 'sent_hash', 'sent_by', 'sent_at'])
      .executeTakeFirst(),
  );
  if (row?.lease_id !== leaseId) return undefined;
  const unfinished = row.sent_hash ? { hash: row.sent_hash, by: row.sent_by, at: row.sent_at === null ? null : Number(row.sent_at) } : undefined;
  return { connectionId, leaseId, until, unfinished };
}

/**
 * Records (durably, before sending) that `refreshToken` is about to be sent under `lease`. False when the lease was lost.
 *
 * @example
 * if (!(await markSent(store, lease, 'host:4242', refreshToken, now))) throw leaseLost();
 */
export async function markSent(store: Store, lease: Lease, owner: string, refreshToken: string, now: number): Promise<boolean> {
  const res = await store.write((trx) =>
    trx
      .updateTable('oauth_refresh_leases')
      .set({ sent_hash: tokenHash(refreshToken), sent_by: owner, sent_at: now, updated_at: now })
      .where('connection_id', '=', lease.connectionId)
      .where('lease_id', '=', lease.leaseId)
      .executeTakeFirst(),
  );
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Frees `lease` inside the caller's write (with the token or status write of the same outcome).
 * `keepSent` leaves the sent mark (the answer was lost: a timeout, a dropped connection). False
 * when the lease was no longer ours: the caller must not write its outcome.
 *
 * @example
 * await store.write(async (trx) => (await releaseLease(trx, lease, now)) && writeTokens(trx, vault, connection, tokens, now));
 */
export async function releaseLease(trx: Trx, lease: Lease, now: number, keepSent = false): Promise<boolean> {
  const res = await trx
    .updateTable('oauth_refresh_leases')
    .set({ lease_id: null, owner: null, lease_until: 0, updated_at: now, ...(keepSent ? {} : { sent_hash: null, sent_by: null, sent_at: null }) })
    .where('connection_id', '=', lease.connectionId)
    .where('lease_id', '=', lease.leaseId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
