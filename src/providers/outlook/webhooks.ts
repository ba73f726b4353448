/**
 * Microsoft Graph change notifications at `POST /webhooks/outlook/<connectionId>` (the address a
 * subscription was made with). No signature covers the body: each item's `clientState` must be
 * the channel token the hub issued for the connection (`kit/push-token.ts`), so a forged
 * notification is refused whole. A new subscription's check (`?validationToken=…`, on the
 * notification and the lifecycle URL) is echoed as `text/plain` at once.
 *
 * Every item (a change: `created`, `updated`, `deleted`; or a lifecycle notification:
 * `reauthorizationRequired`, `subscriptionRemoved`, `missed`) becomes one `calendar.push` inbound
 * event; the calendar category turns it into a sync of the subscribed calendar (Graph's
 * notifications say what changed, not how). Graph wants an answer within 3 seconds: the hub
 * answers 202 with no body once the delivery is stored.
 *
 * @see https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 * @see https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
 */
import { createHash } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import { CALENDAR_PUSH_TYPE, type CalendarPushData } from '../../categories/calendar/contract.js';
import type { InboundEvent, WebhookHandler } from '../../kit/inbound.js';
import { verifyPushToken } from '../../kit/push-token.js';
import { graphValidation } from '../../kit/webhook-handshakes.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The `value` items of a Graph notification body (400 when it is not one). */
function itemsOf(rawBody: Buffer): Json[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new HubError('validation_failed', 'Microsoft Graph notification is not JSON', { errors: [{ field: 'body', message: 'expected {"value":[…]}' }] });
  }
  const value = (body as Json | null)?.value;
  if (!Array.isArray(value) || value.length === 0) throw new HubError('validation_failed', 'Microsoft Graph notification has no "value" items', { errors: [{ field: 'value', message: 'expected a non-empty array' }] });
  return value.map((v) => (v && typeof v === 'object' ? (v as Json) : {}));
}

/**
 * Parses a verified delivery: one `calendar.push` event per item.
 *
 * @example
 * parseGraphNotifications(Buffer.from('{"value":[{"subscriptionId":"s1","changeType":"updated","resource":"me/events/AAMk","resourceData":{"id":"AAMk"},"clientState":"pt1…"}]}'))[0].data
 * // { channelId: 's1', state: 'updated', eventId: 'AAMk' }
 */
export function parseGraphNotifications(rawBody: Buffer): InboundEvent[] {
  return itemsOf(rawBody).map((item) => {
    const { clientState: _secret, ...raw } = item; // the channel token is a secret: not kept on the event
    const lifecycle = str(item.lifecycleEvent);
    const resourceData = (item.resourceData && typeof item.resourceData === 'object' ? item.resourceData : {}) as Json;
    const eventId = str(resourceData.id);
    const state = lifecycle ?? str(item.changeType) ?? 'unknown';
    const data: CalendarPushData = { channelId: str(item.subscriptionId) ?? '', state, ...(lifecycle && { lifecycle }), ...(eventId && { eventId }) };
    // Graph gives a notification no id: the subscription, what changed and a hash of the item name it.
    const hash = createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 16);
    return {
      providerEventId: `${data.channelId}:${state}:${eventId ?? str(item.resource) ?? ''}:${hash}`,
      type: CALENDAR_PUSH_TYPE,
      occurredAt: Date.now(),
      ref: { providerObjectId: eventId },
      data: { ...data },
      raw,
    };
  });
}

export const graphWebhooks: WebhookHandler = {
  secretFields: [],
  pushKeys: true,
  verify(input) {
    const reply = graphValidation(input.publicUrl);
    if (reply) return { handshake: reply };
    for (const item of itemsOf(input.rawBody)) verifyPushToken('Microsoft Graph', str(item.clientState), input.secrets);
  },
  ack: () => ({ status: 202, contentType: 'text/plain; charset=utf-8', body: '' }),
  storedBody(rawBody) {
    // clientState is the channel's secret: the inbox keeps the items without it.
    const body = JSON.parse(rawBody.toString('utf8')) as { value: Json[] };
    return Buffer.from(JSON.stringify({ ...body, value: body.value.map(({ clientState: _s, ...rest }) => rest) }));
  },
  parse: (rawBody) => parseGraphNotifications(rawBody),
};
