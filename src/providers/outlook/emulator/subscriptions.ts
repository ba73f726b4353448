/**
 * The Graph emulator's change notifications: `POST /subscriptions` checks the notification (and
 * lifecycle) URL as Graph does — a POST with `?validationToken=…` whose answer must be 200 with the
 * token as text within 10 seconds, else the subscription is refused — then every change of an
 * event in the subscribed calendar is POSTed `{value: [{subscriptionId, clientState, changeType,
 * resource, resourceData, subscriptionExpirationDateTime, tenantId}]}`; lifecycle notifications on
 * demand. Deliveries are kept (`deliveries`) with the answer's status.
 *
 * @see https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import { WebhookPoster } from '../../emulator-kit.js';
import { GraphFault, type Mailbox, type StoredEvent } from './store.js';

/** Outlook event subscriptions live at most 4230 minutes. */
const MAX_MINUTES = 4230;

export interface Delivery {
  url: string;
  body: { value: Record<string, unknown>[] };
  status: number | 'failed';
}

export class Subscriptions {
  readonly items = new Map<string, Subscription & { calendarId: string }>();
  readonly deliveries: Delivery[] = [];
  /** Each subscription posts to its own URL, at once. */
  private readonly poster = new WebhookPoster(0);

  constructor(private readonly mailbox: Mailbox, private readonly tenantId: string) {
    mailbox.onChange = (e, changeType) => this.changed(e, changeType);
  }

  /** Graph's endpoint check: the URL must echo the token, as text, with 200, within 10 s. */
  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    try {
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status === 200 && text === token) return;
    } catch {
      // unreachable or too slow: refused below
    }
    throw new GraphFault(400, 'ValidationError', `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${url})`);
  }

  async create(body: Record<string, unknown>): Promise<Subscription> {
    const need = (k: string) => {
      if (typeof body[k] !== 'string' || body[k] === '') throw new GraphFault(400, 'InvalidRequest', `Subscription property '${k}' is required.`);
      return body[k] as string;
    };
    const changeType = need('changeType');
    const notificationUrl = need('notificationUrl');
    const resource = need('resource');
    const expiration = Date.parse(need('expirationDateTime'));
    if (changeType.split(',').some((c) => !['created', 'updated', 'deleted'].includes(c))) throw new GraphFault(400, 'InvalidRequest', `Invalid changeType '${changeType}'.`);
    if (Number.isNaN(expiration) || expiration <= Date.now()) throw new GraphFault(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
    if (expiration > Date.now() + MAX_MINUTES * 60_000) throw new GraphFault(400, 'InvalidRequest', `Subscription expiration can only be ${MAX_MINUTES} minutes in the future.`);
    const clientState = typeof body.clientState === 'string' ? body.clientState : undefined;
    if (clientState && clientState.length > 128) throw new GraphFault(400, 'InvalidRequest', 'clientState must be at most 128 characters.');
    const lifecycle = typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : undefined;
    if (!lifecycle && expiration > Date.now() + 3_600_000) throw new GraphFault(400, 'InvalidRequest', 'lifecycleNotificationUrl is required when expirationDateTime is more than 1 hour in the future.');
    const m = /^\/?(?:me|users\/[^/]+)\/(?:calendar\/events|events|calendars\/([^/]+)\/events)$/i.exec(resource);
    if (!m) throw new GraphFault(400, 'ExtensionError', `Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource '${resource}' is not supported.]`);
    const calendarId = m[1] ?? this.mailbox.primaryId;
    this.mailbox.calendar(calendarId);
    await this.validate(notificationUrl);
    if (lifecycle && lifecycle !== notificationUrl) await this.validate(lifecycle);
    const sub = { id: randomUUID(), resource, applicationId: randomUUID(), changeType, clientState: clientState ?? null, notificationUrl, lifecycleNotificationUrl: lifecycle ?? null, expirationDateTime: new Date(expiration).toISOString(), creatorId: this.mailbox.user.id, latestSupportedTlsVersion: 'v1_2', notificationContentType: 'application/json', calendarId };
    this.items.set(sub.id, sub);
    const { calendarId: _c, ...answer } = sub;
    return answer;
  }

  renew(id: string, expirationDateTime: unknown): Subscription {
    const sub = this.items.get(id);
    if (!sub) throw new GraphFault(404, 'ResourceNotFound', `The object was not found. Subscription ${id}`);
    const at = typeof expirationDateTime === 'string' ? Date.parse(expirationDateTime) : NaN;
    if (Number.isNaN(at) || at <= Date.now() || at > Date.now() + MAX_MINUTES * 60_000) throw new GraphFault(400, 'InvalidRequest', `Subscription expiration must be in the future and at most ${MAX_MINUTES} minutes ahead.`);
    sub.expirationDateTime = new Date(at).toISOString();
    const { calendarId: _c, ...answer } = sub;
    return answer;
  }

  remove(id: string): void {
    if (!this.items.delete(id)) throw new GraphFault(404, 'ResourceNotFound', `The object was not found. Subscription ${id}`);
  }

  private post(url: string, value: Record<string, unknown>[]): void {
    const body = { value };
    const delivery: Delivery = { url, body, status: 'failed' };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 1000) this.deliveries.splice(0, this.deliveries.length - 1000);
    // One attempt, as the emulator has always made it (0: the receiver was not reached).
    void this.poster.send(url, JSON.stringify(body), { 'content-type': 'application/json' }, { attempts: 1 }).then((status) => {
      if (status !== 0) delivery.status = status;
    });
  }

  private changed(e: StoredEvent, changeType: 'created' | 'updated' | 'deleted'): void {
    for (const sub of this.items.values()) {
      if (sub.calendarId !== e.calendarId || !sub.changeType!.split(',').includes(changeType) || Date.parse(sub.expirationDateTime!) < Date.now()) continue;
      this.post(sub.notificationUrl!, [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType,
        resource: `Users/${this.mailbox.user.id}/Events/${e.id}`,
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/${this.mailbox.user.id}/Events/${e.id}`, '@odata.etag': `W/"${e.changeKey}"`, id: e.id },
        clientState: sub.clientState,
        tenantId: this.tenantId,
      }]);
    }
  }

  /** Sends a lifecycle notification (`subscriptionRemoved` also ends the subscription, as at Graph). */
  lifecycle(id: string, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): void {
    const sub = this.items.get(id);
    if (!sub) throw new GraphFault(404, 'ResourceNotFound', `The object was not found. Subscription ${id}`);
    this.post(sub.lifecycleNotificationUrl ?? sub.notificationUrl!, [{ subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: this.tenantId, clientState: sub.clientState, lifecycleEvent }]);
    if (lifecycleEvent === 'subscriptionRemoved') this.items.delete(id);
  }

  drain(): Promise<void> {
    return this.poster.drain();
  }

  close(): Promise<void> {
    return this.poster.close();
  }
}
