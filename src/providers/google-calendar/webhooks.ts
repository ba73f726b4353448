/**
 * Google Calendar push notifications at `POST /webhooks/google-calendar/<connectionId>`: a watch
 * channel posts an empty body with `X-Goog-Channel-ID`, `X-Goog-Channel-Token` (the token the
 * hub gave the channel, `kit/push-token.ts`), `X-Goog-Resource-ID`, `X-Goog-Resource-State`
 * (`sync` when the channel starts, `exists` on a change, `not_exists`), `X-Goog-Message-Number`
 * and `X-Goog-Channel-Expiration`. Nothing signs the request: the channel token, issued under the
 * connection's push key, is what tells a real notification from a forged one.
 *
 * A notification says only "something changed": it becomes one `calendar.push` inbound event
 * (`{channelId, state}`), which the calendar category turns into a sync. The body is empty, so
 * redeliveries are told apart by `<channel id>:<message number>` (`replayKey`).
 *
 * @see https://developers.google.com/calendar/api/guides/push#receiving-notifications
 */
import { CALENDAR_PUSH_TYPE, type CalendarPushData } from '../../categories/calendar/contract.js';
import type { InboundEvent, WebhookHandler } from '../../kit/inbound.js';
import { verifyPushToken } from '../../kit/push-token.js';
import { headerOf } from '../../kit/webhook-verify.js';

type Headers = Record<string, string | undefined>;

/** The channel and message a notification names (`<channel id>:<message number>`). */
const h = (headers: Headers, name: string) => headerOf(headers, name);
const keyOf = (headers: Headers) => `${h(headers, 'x-goog-channel-id') ?? ''}:${h(headers, 'x-goog-message-number') ?? ''}`;

/**
 * The one event of a verified notification.
 *
 * @example
 * parseGoogleCalendarPush({ 'x-goog-channel-id': 'c1', 'x-goog-resource-state': 'exists', 'x-goog-message-number': '2' })[0].data // { channelId: 'c1', state: 'exists' }
 */
export function parseGoogleCalendarPush(headers: Headers, now = Date.now()): InboundEvent[] {
  const channelId = h(headers, 'x-goog-channel-id') ?? '';
  const data: CalendarPushData = { channelId, state: h(headers, 'x-goog-resource-state') ?? 'exists' };
  const raw = {
    channelId,
    resourceId: h(headers, 'x-goog-resource-id') ?? null,
    resourceUri: h(headers, 'x-goog-resource-uri') ?? null,
    resourceState: data.state,
    messageNumber: h(headers, 'x-goog-message-number') ?? null,
    channelExpiration: h(headers, 'x-goog-channel-expiration') ?? null,
  };
  return [{ providerEventId: keyOf(headers), type: CALENDAR_PUSH_TYPE, occurredAt: now, ref: { providerObjectId: raw.resourceId ?? undefined }, data: { ...data }, raw }];
}

export const googleCalendarWebhooks: WebhookHandler = {
  secretFields: [],
  pushKeys: true,
  signatureHeaders: ['x-goog-channel-token'],
  verify(input) {
    verifyPushToken('Google Calendar', h(input.headers, 'x-goog-channel-token'), input.secrets);
  },
  replayKey: (_rawBody, headers) => keyOf(headers),
  parse: (_rawBody, headers) => parseGoogleCalendarPush(headers),
};
