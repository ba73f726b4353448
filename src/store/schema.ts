/**
 * Table types for Kysely. Times are epoch milliseconds (`bigint` in PostgreSQL, parsed to
 * numbers); JSON is stored as text so one set of migrations serves SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  hash: string;
  /** JSON array of scopes, e.g. `["*"]`, `["email:send","email:read"]`. */
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Which database the store runs on (migrations differ a little). */
export type Dialect = 'sqlite' | 'postgres';

export interface ConnectionsTable {
  id: string;
  tenant_id: string;
  provider: string;
  name: string;
  /** Sealed by the vault: never plaintext. */
  credentials: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

/** Tokens and status of a connection (default or tenant); see migration 004. */
export interface ConnectionStateTable {
  connection_id: string;
  /** Sealed TokenSet JSON, or null. */
  tokens: string | null;
  key_id: string | null;
  /** sha256 of the refresh token the environment seeded, for env default connections. */
  seed: string | null;
  status: string;
  status_reason: string | null;
  updated_at: number;
}

/**
 * The refresh lease of a connection's OAuth tokens (migration 007, `oauth/refresh-lease.ts`):
 * held while one process refreshes; free when `lease_id` is null or `lease_until` has passed.
 */
export interface OAuthRefreshLeasesTable {
  connection_id: string;
  /** Unique per taking: the fence a holder's final write must still match. */
  lease_id: string | null;
  /** Who holds it (`host:pid`), for messages. */
  owner: string | null;
  lease_until: number;
  /** sha256 of the refresh token sent under a lease that did not finish; null once answered. */
  sent_hash: string | null;
  sent_by: string | null;
  sent_at: number | null;
  updated_at: number;
}

/** One-time, expiring tokens (migration 008, `oauth/one-time.ts`): keyed by the token's SHA-256, payload sealed. */
export interface OneTimeTokensTable {
  id: string;
  kind: string;
  payload: string;
  key_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Details a sign-in provider sends once (Apple's name), per provider and subject (migration 009). */
export interface IdentitiesTable {
  id: string;
  provider: string;
  details: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface JobsTable {
  id: string;
  type: string;
  payload: string;
  /** pending | running | done | dead */
  status: string;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  batch_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface BatchesTable {
  id: string;
  tenant_id: string;
  type: string;
  total: number;
  meta: string;
  created_at: number;
}

export interface EmailMessagesTable {
  id: string;
  tenant_id: string;
  status: string;
  provider: string | null;
  provider_message_id: string | null;
  to_addr: string;
  subject: string;
  /** The rendered message (JSON) the send job hands to providers. */
  message: string;
  send_at: number | null;
  batch_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface EmailEventsTable {
  id: string;
  tenant_id: string;
  message_id: string | null;
  type: string;
  provider: string;
  provider_event_id: string;
  recipient: string | null;
  occurred_at: number;
  data: string;
  created_at: number;
}

export interface SuppressionsTable {
  tenant_id: string;
  email: string;
  reason: string;
  provider: string | null;
  created_at: number;
}

export interface EmailTemplatesTable {
  id: string;
  tenant_id: string;
  name: string;
  subject: string;
  html: string | null;
  text: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookInboxTable {
  id: string;
  provider: string;
  /** The connection the webhook was posted for; null on the provider's default route. */
  connection_id: string | null;
  /** That connection's tenant; null on rows older than migration 005 (the default tenant). */
  tenant_id: string | null;
  dedupe_key: string;
  /** Request headers without credentials, cookies or signatures. */
  headers: string;
  body: string;
  received_at: number;
  /** received | processed | failed */
  status: string;
  error: string | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  /** in_progress | done */
  status: string;
  response_status: number | null;
  response_body: string | null;
  created_at: number;
  locked_until: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  provider: string;
  connection_id: string;
  operation: string;
  method: string;
  url: string;
  status: number | null;
  error_code: string | null;
  duration_ms: number;
  attempt: number;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  tenant_id: string;
  type: string;
  /** Provider id, `source:<id>` for custom sources, or `switchboard` for operational events. */
  provider: string;
  connection_id: string | null;
  source_id: string | null;
  /** The provider's own event id: the same delivery twice is one event. */
  dedupe_key: string;
  occurred_at: number;
  received_at: number;
  data: string;
  raw: string;
}

export interface WebhookSourcesTable {
  id: string;
  tenant_id: string;
  name: string;
  /** standard-webhooks | github | hmac-sha256 */
  scheme: string;
  /** Sealed by the vault: the list of accepted secrets. */
  secrets: string;
  header: string | null;
  encoding: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** JSON array of types or wildcards (`payment.*`, `*`). */
  event_types: string;
  enabled: number;
  rate_limit_per_second: number | null;
  /** JSON array of delays in ms; null: the default schedule. */
  retry_schedule: string | null;
  /** Sealed by the vault: `{ current, previous?, previousUntil? }`. */
  secrets: string;
  failing_since: number | null;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookMessagesTable {
  id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  /** The exact JSON body sent (and signed). */
  payload: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  message_id: string;
  endpoint_id: string;
  /** pending | succeeded | dead */
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  endpoint_id: string;
  message_id: string;
  at: number;
  status_code: number | null;
  latency_ms: number;
  /** First 1 KiB of the answer. */
  response: string | null;
  error: string | null;
}

export interface PaymentsTable {
  /** `pay_…` */
  id: string;
  tenant_id: string;
  provider: string;
  /** Stripe PaymentIntent / PayPal order id; null until the provider answered. */
  provider_payment_id: string | null;
  /** A PaymentStatus, or `creating` until the provider answered. */
  status: string;
  /** When the status was last set (event time for webhook updates): a late event never moves it back. */
  status_at: number;
  /** Minor units. */
  amount: number;
  currency: string;
  amount_refunded: number;
  customer_id: string | null;
  description: string | null;
  /** The caller's Idempotency-Key, or a generated one. */
  idempotency_key: string;
  /** What the provider receives (`Idempotency-Key` / `PayPal-Request-Id`). */
  provider_key: string;
  request_hash: string;
  /** The provider request (JSON of CreatePaymentInput), to re-drive it after a crash. */
  request: string;
  /** The provider's last answer (JSON of Payment without raw). */
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface PaymentRefundsTable {
  /** `rfd_…` */
  id: string;
  tenant_id: string;
  payment_id: string;
  provider: string;
  provider_refund_id: string | null;
  /** creating | pending | succeeded | failed | canceled */
  status: string;
  amount: number | null;
  currency: string;
  reason: string | null;
  idempotency_key: string;
  provider_key: string;
  request_hash: string;
  /** The provider request (amount, reason, metadata), to send it again exactly after a crash. */
  request: string;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  api_keys: ApiKeysTable;
  connections: ConnectionsTable;
  connection_state: ConnectionStateTable;
  oauth_refresh_leases: OAuthRefreshLeasesTable;
  one_time_tokens: OneTimeTokensTable;
  identities: IdentitiesTable;
  jobs: JobsTable;
  batches: BatchesTable;
  email_messages: EmailMessagesTable;
  email_events: EmailEventsTable;
  suppressions: SuppressionsTable;
  email_templates: EmailTemplatesTable;
  webhook_inbox: WebhookInboxTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_log: AuditLogTable;
  events: EventsTable;
  webhook_sources: WebhookSourcesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  payments: PaymentsTable;
  payment_refunds: PaymentRefundsTable;
}
