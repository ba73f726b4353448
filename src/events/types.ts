/**
 * The registry of unified event types, per category, and the pattern language that selects them
 * (`hub.on`, `GET /api/v1/events?type=`, the SSE stream, outgoing webhook subscriptions).
 *
 * A type is `<category>.<name>` (lower-case letters, digits, `_` and `-`; more dots allowed, e.g.
 * `webhook.delivery.exhausted`). A pattern is an exact type, a prefix wildcard `<prefix>.*` that
 * selects every type below it at any depth (`webhook.*` selects `webhook.delivery.exhausted`), or
 * `*` for everything.
 *
 * Categories declare their types in their own folder (`categories/<name>/events.ts`): the
 * descriptions through {@link registerEventTypes}, the `data` types by adding to
 * {@link EventDataMap} (declaration merging). Custom inbound sources may record types that are
 * not listed here; the registry documents, it does not restrict.
 */

/** Operational events the hub emits about itself (provider `switchboard`). */
export const OPERATIONAL_EVENT_TYPES = {
  'webhook.delivery.exhausted': 'An outgoing webhook message failed on every attempt of its schedule and was dead-lettered.',
  'webhook.endpoint.disabled': 'An outgoing webhook endpoint was disabled (410 Gone, or failing continuously for 5 days).',
  'webhook.replay_conflict': 'An inbound webhook reused a signed token (Mailgun) with another body: refused with 401; data names the provider and connection, never the body.',
} as const;
export type OperationalEventType = keyof typeof OPERATIONAL_EVENT_TYPES;

/** Events about connections (provider `switchboard`). */
export const CONNECTION_EVENT_TYPES = {
  'connection.needs_reauth': 'The provider refused a connection\'s refresh token (revoked, expired, invalid_grant): a user must connect the account again; data names the provider and the reason.',
} as const;

/** Type descriptions by group (the part before the first dot). */
const registry = new Map<string, Record<string, string>>([
  ['webhook', { ...OPERATIONAL_EVENT_TYPES }],
  ['connection', { ...CONNECTION_EVENT_TYPES }],
]);

/**
 * Add a category's event types, grouped by prefix, each with one line for the docs.
 *
 * @example
 * registerEventTypes({ sms: { 'sms.delivered': 'The carrier delivered the message.' } });
 */
export function registerEventTypes(groups: Record<string, Record<string, string>>): void {
  for (const [group, types] of Object.entries(groups)) {
    for (const type of Object.keys(types)) if (!type.startsWith(`${group}.`)) throw new Error(`event type ${type} is not in group ${group}`);
    registry.set(group, { ...registry.get(group), ...types });
  }
}


/** `data` of the operational events (fields the outgoing-webhooks module fills in). */
/** `data` of the outgoing-webhook operational events (fields the outgoing-webhooks module fills in). */
export interface OperationalEventData {
  endpointId: string;
  [key: string]: unknown;
}

/** `data` of `webhook.replay_conflict`: who sent it, never the body. */
export interface ReplayConflictData {
  provider: string;
  connectionId: string | null;
  [key: string]: unknown;
}

/**
 * `data` by event type, for typed handlers. Categories add their types by declaration merging:
 *
 * @example
 * declare module '../../events/types.js' {
 *   interface EventDataMap extends Record<SmsEventType, SmsEventData> {}
 * }
 */
export interface EventDataMap extends Record<Exclude<OperationalEventType, 'webhook.replay_conflict'>, OperationalEventData> {
  'webhook.replay_conflict': ReplayConflictData;
  'connection.needs_reauth': NeedsReauthData;
}

/** `data` of `connection.needs_reauth` (the event's `connectionId` names the connection). */
export interface NeedsReauthData {
  provider: string;
  reason: string;
  [key: string]: unknown;
}

/** Every type the hub itself records. */
export type EventType = keyof EventDataMap & string;

/** One entry of {@link eventTypeList}. */
export interface EventTypeInfo {
  type: EventType;
  category: string;
  description: string;
}

/**
 * Every registered type, sorted by category then name: the list the docs and `GET /api/v1/events`
 * validation hints are made from.
 *
 * @example
 * eventTypeList().filter((t) => t.category === 'email').map((t) => t.type) // ['email.bounced', …]
 */
export function eventTypeList(): EventTypeInfo[] {
  return [...registry]
    .flatMap(([category, types]) => Object.entries(types).map(([type, description]) => ({ type: type as EventType, category, description })))
    .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
}

/** Is `type` one the registry lists? */
export function isKnownType(type: string): type is EventType {
  return [...registry.values()].some((types) => type in types);
}

const PATTERN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/;

/**
 * Is `pattern` well formed? `*`, `a.b`, `a.*`, `a.b.*`: lower-case letters, digits, `_` and `-`.
 *
 * @example
 * isTypePattern('payment.*') // true
 * isTypePattern('email.*.x') // false
 */
export function isTypePattern(pattern: string): boolean {
  return pattern === '*' || PATTERN.test(pattern);
}

/**
 * Does `pattern` select `type`? Exact, `<prefix>.*` (any depth below the prefix) or `*`.
 *
 * @example
 * matchesType('email.bounced', 'email.bounced') // true
 * matchesType('email.*', 'email.bounced') // true
 * matchesType('webhook.*', 'webhook.delivery.exhausted') // true
 * matchesType('email.*', 'emails.sent') // false
 * matchesType('*', 'payment.succeeded') // true
 */
export function matchesType(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

/**
 * Does any of `patterns` select `type`? An empty list selects everything.
 *
 * @example
 * matchesAny(['email.bounced', 'sms.*'], 'sms.delivered') // true
 */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.length === 0 || patterns.some((p) => matchesType(p, type));
}
