/**
 * Watch channels of the Google Calendar emulator: `events.watch` opens one on a calendar's events
 * and posts a `sync` notification at once, then an `exists` one after each change, to the
 * channel's address with its token, numbered by `X-Goog-Message-Number`, until it expires (no
 * renewal, as Google) or `channels.stop` closes it. Notifications have an empty body.
 *
 * @see https://developers.google.com/calendar/api/guides/push#understanding-the-notification-message-format
 */
import { randomBytes } from 'node:crypto';
import { WebhookPoster } from '../../emulator-kit.js';

/** Google's longest channel for events (and the default when no expiration is asked). */
export const MAX_CHANNEL_MS = 7 * 86_400_000;

export interface EmuChannel {
  id: string;
  resourceId: string;
  calendarId: string;
  address: string;
  token: string | undefined;
  /** Epoch ms. */
  expiration: number;
  messageNumber: number;
}

/** One notification as the emulator sent it, and the hub's answer. */
export interface SentNotification {
  channelId: string;
  state: string;
  messageNumber: number;
  status: number;
}

export class Channels {
  private readonly open = new Map<string, EmuChannel>();
  /** Each channel posts to its own address, at once. */
  private readonly poster = new WebhookPoster(0);
  readonly sent: SentNotification[] = [];

  constructor(private readonly apiBase: () => string) {}

  /** Opens a channel and posts its `sync` notification. */
  watch(calendarId: string, c: { id: string; address: string; token?: string; expiration?: number }): EmuChannel {
    const now = Date.now();
    const asked = c.expiration && c.expiration > now ? c.expiration : now + MAX_CHANNEL_MS;
    const channel: EmuChannel = { id: c.id, resourceId: randomBytes(14).toString('base64url'), calendarId, address: c.address, token: c.token, expiration: Math.min(asked, now + MAX_CHANNEL_MS), messageNumber: 0 };
    this.open.set(channel.id, channel);
    this.notify(channel, 'sync');
    return channel;
  }

  /** `channels.stop`: false when no open channel has this id and resource id. */
  stop(id: string, resourceId: string | undefined): boolean {
    const channel = this.open.get(id);
    if (!channel || (resourceId !== undefined && channel.resourceId !== resourceId)) return false;
    this.open.delete(id);
    return true;
  }

  /** A calendar's events changed: every live channel on it posts `exists`. */
  changed(calendarId: string): void {
    for (const channel of this.open.values()) if (channel.calendarId === calendarId) this.notify(channel, 'exists');
  }

  list(): EmuChannel[] {
    return [...this.open.values()];
  }

  private notify(channel: EmuChannel, state: string): void {
    if (Date.now() >= channel.expiration) {
      this.open.delete(channel.id); // expired: Google stops delivering
      return;
    }
    const messageNumber = ++channel.messageNumber;
    const headers: Record<string, string> = {
      'x-goog-channel-id': channel.id,
      'x-goog-channel-expiration': new Date(channel.expiration).toUTCString(),
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-uri': `${this.apiBase()}/calendars/${encodeURIComponent(channel.calendarId)}/events?alt=json`,
      'x-goog-resource-state': state,
      'x-goog-message-number': String(messageNumber),
      ...(channel.token !== undefined && { 'x-goog-channel-token': channel.token }),
    };
    // An empty body; Google retries a receiver that fails, with backoff.
    void this.poster.send(channel.address, '', headers, { retryDelayMs: 100 }).then((status) => this.sent.push({ channelId: channel.id, state, messageNumber, status }));
  }

  drain(): Promise<void> {
    return this.poster.drain();
  }

  close(): Promise<void> {
    return this.poster.close();
  }
}
