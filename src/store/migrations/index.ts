/**
 * The schema's migrations in order, by name. Add a migration: its file here (`NNN-what.ts`,
 * a function of the dialect answering Kysely's `{ up }`) and one line below.
 */
import type { Migration } from 'kysely';
import type { Dialect } from '../schema.js';
import { initial } from './001-initial.js';
import { events } from './002-events.js';
import { payments } from './003-payments.js';
import { connectionState } from './004-connection-state.js';
import { webhookInboxConnection } from './005-webhook-inbox-connection.js';
import { jobsLeaseIndexes } from './006-jobs-lease-indexes.js';
import { oauthRefreshLeases } from './007-oauth-refresh-leases.js';
import { oneTimeTokens } from './008-one-time-tokens.js';
import { identities } from './009-identities.js';

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-events': events(dialect),
    '003-payments': payments(dialect),
    '004-connection-state': connectionState(dialect),
    '005-webhook-inbox-connection': webhookInboxConnection(dialect),
    '006-jobs-lease-indexes': jobsLeaseIndexes(dialect),
    '007-oauth-refresh-leases': oauthRefreshLeases(dialect),
    '008-one-time-tokens': oneTimeTokens(dialect),
    '009-identities': identities(dialect),
  };
}
