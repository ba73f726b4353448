/**
 * Outlook and Teams in a whole sandbox hub: the default connections exist with no set-up and
 * point at the Graph emulator. A subscription made through the connector passes Graph's
 * validation handshake at `/webhooks/outlook/<connectionId>` (the hub echoes the token as text);
 * the emulator's change notifications, carrying the `clientState` the hub issued under the
 * connection's push key, are accepted with 202 and stored without it; a forged `clientState` is
 * refused (401); a lifecycle notification is parsed. Teams answers through `/api/v1/meetings`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarProvider } from '../src/categories/calendar/contract.js';
import { OAuthApps } from '../src/connections/oauth-apps.js';
import { resolveDefault } from '../src/connections/defaults.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { issuePushToken } from '../src/kit/push-token.js';
import { Transport } from '../src/transport/transport.js';
import { graphWebhooks, outlook, teams, type GraphEmulator } from '../src/providers/outlook/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const CONN = 'conn_default_outlook';
let t: TestHub;
let calendar: CalendarProvider;
let emulator: GraphEmulator;

beforeAll(async () => {
  t = await startTestHub();
  calendar = await t.hub.connections.connector('default', 'outlook', 'calendar');
  emulator = t.hub.connections.emulator('outlook') as GraphEmulator;
});
afterAll(() => t?.close());

const hookUrl = () => `${t.url}/webhooks/outlook/${CONN}`;
const inbox = () => t.hub.store.db.selectFrom('webhook_inbox').selectAll().where('provider', '=', 'outlook').execute();
const post = (body: unknown) => fetch(hookUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('outlook: Graph subscriptions through the hub', () => {
  let subscriptionId: string;
  let token: string;

  it('answers the validation handshake, then accepts notifications carrying the issued clientState (202, stored without it)', async () => {
    const check = await fetch(`${hookUrl()}?validationToken=${encodeURIComponent('Validation: Testing client application reachability')}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect([check.status, check.headers.get('content-type'), await check.text()]).toEqual([200, 'text/plain; charset=utf-8', 'Validation: Testing client application reachability']);
    token = issuePushToken(t.hub.connections.pushKeys(CONN)[0]!);
    const channel = await calendar.watch!('primary', { address: hookUrl(), token, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    subscriptionId = channel.channelId;
    expect(emulator.subscriptions.items.get(subscriptionId)).toMatchObject({ notificationUrl: hookUrl(), clientState: token });
    const made = await calendar.createEvent('primary', { summary: 'Pushed', start: '2027-02-01T09:00:00Z', end: '2027-02-01T10:00:00Z' });
    await emulator.drainWebhooks!();
    const sent = emulator.deliveries.filter((d) => d.body.value[0]?.subscriptionId === subscriptionId);
    expect(sent.map((d) => [d.body.value[0]!.changeType, d.status])).toEqual([['created', 202]]);
    const rows = (await inbox()).filter((r) => String(r.body).includes(subscriptionId));
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.body)).not.toContain(token);
    const parsed = graphWebhooks.parse(Buffer.from(String(rows[0]!.body)), {});
    expect(parsed).toEqual([expect.objectContaining({ type: 'calendar.push', data: { channelId: subscriptionId, state: 'created', eventId: made.eventId } })]);
  });

  it('refuses a forged or missing clientState (401), even beside a good item', async () => {
    const item = { subscriptionId, changeType: 'updated', resource: 'Users/x/Events/y', resourceData: { id: 'y' }, tenantId: 't' };
    const forged = await post({ value: [{ ...item, clientState: issuePushToken('a key that is not this connection\'s') }] });
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([401, 'webhook_signature_invalid']);
    const missing = await post({ value: [{ ...item, clientState: token }, item] });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([401, 'webhook_signature_missing']);
    const other = await post({ value: [{ ...item, clientState: issuePushToken(t.hub.connections.pushKeys('conn_default_teams')[0]!) }] });
    expect(other.status).toBe(401);
  });

  it('accepts and parses a lifecycle notification', async () => {
    emulator.lifecycle(subscriptionId, 'reauthorizationRequired');
    await emulator.drainWebhooks!();
    expect(emulator.deliveries.at(-1)!.status).toBe(202);
    const row = (await inbox()).find((r) => String(r.body).includes('reauthorizationRequired'))!;
    expect(graphWebhooks.parse(Buffer.from(String(row.body)), {})[0]!.data).toEqual({ channelId: subscriptionId, state: 'reauthorizationRequired', lifecycle: 'reauthorizationRequired' });
    await calendar.stopWatch!({ channelId: subscriptionId, resourceId: null, expiresAt: '' });
  });
});

describe('teams on the sandbox hub', () => {
  it('creates a Teams meeting through /api/v1/meetings and refuses recordings with 422', async () => {
    const res = await t.api('/api/v1/meetings', { body: { provider: 'teams', topic: 'Hub teams', startTime: '2027-02-02T09:00:00Z', duration: 30 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'teams', id: `teams:${res.body.meetingId}`, joinUrl: expect.stringMatching(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//) });
    // One emulator and one sandbox mailbox for both: the meeting is an event of the Outlook calendar.
    expect(t.hub.connections.emulator('teams')).toBe(emulator);
    expect(await calendar.getEvent('primary', res.body.meetingId)).toMatchObject({ summary: 'Hub teams', conference: { provider: 'teams', joinUrl: res.body.joinUrl } });
    const recordings = await t.api(`/api/v1/meetings/${res.body.id}/recordings`);
    expect([recordings.status, recordings.body.code]).toEqual([422, 'capability_unsupported']);
    expect((await t.api(`/api/v1/meetings/${res.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('OUTLOOK_* variables', () => {
  const env = { OUTLOOK_CLIENT_ID: '11111111-2222-3333-4444-555555555555', OUTLOOK_CLIENT_SECRET: 'abc~secret', OUTLOOK_REFRESH_TOKEN: 'M.C5-refresh' };
  it('make a live default connection for both providers; its refresh goes to the tenant named (common by default)', async () => {
    const live = resolveDefault(outlook as never, { ...env, OUTLOOK_TENANT_ID: 'contoso.onmicrosoft.com' }, false);
    expect(live).toMatchObject({ connection: { id: 'conn_default_outlook', mode: 'live', baseUrl: 'https://graph.microsoft.com/v1.0', credentials: { clientId: env.OUTLOOK_CLIENT_ID, tenantId: 'contoso.onmicrosoft.com' } } });
    expect(resolveDefault(teams as never, env, false)).toMatchObject({ connection: { id: 'conn_default_teams', mode: 'live' } });
    const apps = new OAuthApps({ env: {}, forceSandbox: false, transport: new Transport() });
    const urlOf = async (connection: ResolvedConnection) => {
      await apps.prepare(connection, 'microsoft');
      return apps.tokenGrant(connection, 'microsoft', undefined as never)!.endpoint;
    };
    const own = await urlOf((live as { connection: ResolvedConnection }).connection);
    expect([own.url, own.clientId]).toEqual(['https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token', env.OUTLOOK_CLIENT_ID]);
    const common = await urlOf((resolveDefault(outlook as never, env, false) as { connection: ResolvedConnection }).connection);
    expect(common.url).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
    expect(resolveDefault(outlook as never, { OUTLOOK_REFRESH_TOKEN: 'x' }, false)).toMatchObject({ connection: { mode: 'sandbox' } });
  });

  it('a tenant that is not one is named', () => {
    expect(() => resolveDefault(outlook as never, { ...env, OUTLOOK_TENANT_ID: '../evil' }, false)).toThrow(/OUTLOOK_TENANT_ID/);
  });
});
