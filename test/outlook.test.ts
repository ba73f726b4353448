/**
 * Outlook (Microsoft Graph): the calendar contract suite against the connector and the Graph
 * emulator through a real Transport, then what only Graph has — calendarView delta pages with
 * `@removed` (a series as its occurrences), a
 * forgotten delta state (410 `syncStateNotFound` → `calendar_sync_expired`), a 429 whose
 * `Retry-After` the transport waits out (the emulator records when the retry came), patterned
 * recurrences Graph cannot express refused as 400 naming `recurrence`, the page token checked to
 * point at Graph, subscriptions (the validation handshake, renewal, the 4230-minute cap) and the
 * token endpoint's rotating refresh tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarContractSuite } from '../src/categories/calendar/contract-suite.js';
import type { CalendarProvider } from '../src/categories/calendar/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { outlook, outlookManifest, startGraphEmulator, type GraphEmulator } from '../src/providers/outlook/index.js';
import { TokenManager } from '../src/oauth/token-manager.js';
import { Transport } from '../src/transport/transport.js';
import { failure } from './helpers/hub-error.js';

async function connect(): Promise<{ emulator: GraphEmulator; provider: CalendarProvider }> {
  const emulator = await startGraphEmulator();
  const connection: ResolvedConnection = { id: 'conn_test_outlook', tenantId: 't', provider: 'outlook', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens };
  const http = new Transport().forConnection(outlookManifest as never, connection);
  const provider = outlook.calendar!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
  return { emulator, provider };
}

calendarContractSuite('outlook', async () => {
  const { emulator, provider } = await connect();
  return {
    provider,
    accountEmail: emulator.mailbox.user.mail,
    expireCursor: async (cursor) => {
      emulator.expireDeltaTokens();
      return cursor;
    },
    teardown: () => emulator.close(),
  };
});

/** A local endpoint that answers Graph's validation check (or not) and keeps what it was sent. */
async function endpoint(answer: 'echo' | 'wrong'): Promise<{ url: string; got: { query: string; body: string }[]; close: () => Promise<void> }> {
  const got: { query: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      got.push({ query: url.search, body });
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(answer === 'echo' ? token : 'not the token');
        return;
      }
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

describe('outlook: what only Graph has', () => {
  let emulator: GraphEmulator;
  let p: CalendarProvider;
  beforeAll(async () => ({ emulator, provider: p } = await connect()));
  afterAll(() => emulator?.close());

  it('follows delta pages to the deltaLink; a deletion comes back as @removed; a forgotten state is calendar_sync_expired', async () => {
    const cal = (await p.createCalendar!({ name: 'Delta' })).calendarId;
    const made = [];
    for (let i = 0; i < 23; i++) made.push(await p.createEvent(cal, { summary: `D${i}`, start: `2027-05-01T${String(i).padStart(2, '0')}:00:00Z`, end: `2027-05-01T${String(i).padStart(2, '0')}:30:00Z` }));
    const full = await p.sync(cal, null);
    expect(full.changes).toHaveLength(23); // three pages of 10
    expect(emulator.requests.filter((r) => r.path.endsWith('/calendarView/delta')).length).toBe(3);
    await p.deleteEvent(cal, made[0]!.eventId);
    const delta = await p.sync(cal, full.cursor);
    expect(delta.changes).toEqual([{ eventId: made[0]!.eventId, deleted: true }]);
    // A series syncs as its occurrences (v1.0's delta is over a calendarView); a cancelled one is @removed.
    const series = await p.createEvent(cal, { summary: 'Daily', start: '2027-05-03T08:00:00Z', end: '2027-05-03T08:15:00Z', recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    const withSeries = await p.sync(cal, delta.cursor);
    expect(withSeries.changes.map((c) => [c.event?.recurringEventId, c.event?.start])).toEqual([[series.eventId, '2027-05-03T08:00:00Z'], [series.eventId, '2027-05-04T08:00:00Z'], [series.eventId, '2027-05-05T08:00:00Z']]);
    await p.deleteEvent(cal, withSeries.changes[1]!.eventId);
    const cancelled = await p.sync(cal, withSeries.cursor);
    expect(cancelled.changes.filter((c) => c.deleted)).toEqual([{ eventId: withSeries.changes[1]!.eventId, deleted: true }]);
    emulator.expireDeltaTokens();
    const err = await failure(p.sync(cal, cancelled.cursor));
    expect([err.code, err.status, err.providerCode, err.provider]).toEqual(['calendar_sync_expired', 410, 'syncStateNotFound', 'outlook']);
  });

  it("waits out a 429's Retry-After before trying again", async () => {
    emulator.chaos.retryAfterSec = 1;
    emulator.chaos.rateLimitNext = 1;
    const from = emulator.requests.length;
    expect((await p.listCalendars()).some((c) => c.primary)).toBe(true);
    const [limited, retried] = emulator.requests.slice(from);
    expect([limited!.status, retried!.status]).toEqual([429, 200]);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('refuses a rule Graph cannot express with 400 naming recurrence, and sends nothing', async () => {
    const before = emulator.requests.length;
    for (const rule of ['RRULE:FREQ=HOURLY;COUNT=3', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15', 'RRULE:FREQ=WEEKLY;BYWEEKNO=3']) {
      const err = await failure(p.createEvent('primary', { summary: 'x', start: '2027-06-01T09:00:00Z', end: '2027-06-01T10:00:00Z', recurrence: [rule] }));
      expect([err.code, err.status, err.errors?.[0]?.field]).toEqual(['validation_failed', 400, 'recurrence']);
    }
    expect(emulator.requests.length).toBe(before);
  });

  it('follows a page token only to its own Graph', async () => {
    const err = await failure(p.listEvents('primary', { pageToken: 'https://evil.example/v1.0/me/events?$skiptoken=x' }));
    expect([err.code, err.errors?.[0]?.field]).toEqual(['validation_failed', 'pageToken']);
  });

  it('subscribes after the validation handshake, renews, stops; a URL that does not echo is refused', async () => {
    const hook = await endpoint('echo');
    try {
      const channel = await p.watch!('primary', { address: hook.url, token: 'pt1.a.b', expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
      expect(hook.got[0]!.query).toMatch(/^\?validationToken=/);
      expect(Date.parse(channel.expiresAt)).toBeLessThanOrEqual(Date.now() + 4230 * 60_000); // Graph's cap for events
      await p.createEvent('primary', { summary: 'Notify me', start: '2027-06-02T09:00:00Z', end: '2027-06-02T10:00:00Z' });
      await emulator.drainWebhooks!();
      const note = JSON.parse(hook.got.at(-1)!.body) as { value: { subscriptionId: string; clientState: string; changeType: string }[] };
      expect(note.value[0]).toMatchObject({ subscriptionId: channel.channelId, clientState: 'pt1.a.b', changeType: 'created' });
      const later = new Date(Date.now() + 3600_000).toISOString();
      expect(Date.parse((await p.renewWatch!(channel, later)).expiresAt)).toBe(Date.parse(later));
      await p.stopWatch!(channel);
      expect(emulator.subscriptions.items.size).toBe(0);
    } finally {
      await hook.close();
    }
    const deaf = await endpoint('wrong');
    try {
      const err = await failure(p.watch!('primary', { address: deaf.url, token: 'pt1.a.b', expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
      expect([err.providerStatus, err.providerCode]).toEqual([400, 'ValidationError']);
    } finally {
      await deaf.close();
    }
  });

  it('rotates the refresh token on every use: the used one is invalid_grant', async () => {
    const form = (refreshToken: string) => new URLSearchParams({ grant_type: 'refresh_token', client_id: emulator.credentials.clientId, client_secret: emulator.credentials.clientSecret, refresh_token: refreshToken, scope: 'Calendars.ReadWrite offline_access' });
    const first = emulator.credentials.refreshToken;
    const res = await fetch(emulator.tokenUrl, { method: 'POST', body: form(first) });
    const answer = (await res.json()) as { access_token: string; refresh_token: string };
    expect(answer.refresh_token).not.toBe(first);
    const again = await fetch(emulator.tokenUrl, { method: 'POST', body: form(first) });
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    const me = await fetch(`${emulator.url}/me`, { headers: { authorization: `Bearer ${answer.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('a refused access token is refreshed at the v2.0 token endpoint; the rotated refresh token is the one kept', async () => {
    const graph = await startGraphEmulator();
    try {
      const connection: ResolvedConnection = { id: 'conn_refresh_outlook', tenantId: 't', provider: 'outlook', mode: 'live', baseUrl: graph.url, credentials: graph.credentials, tokens: { ...graph.tokens } };
      const transport = new Transport();
      const http = transport.forConnection(outlookManifest as never, connection);
      const tokenHttp = transport.forConnection({ id: 'microsoft', name: 'Microsoft', auth: { type: 'none' }, mapError: outlookManifest.mapError } as never, { id: 'oauth_app_microsoft', baseUrl: '', credentials: {} });
      const manager = new TokenManager({ logger: createLogger('silent') });
      connection.tokenSource = manager.source(connection, { endpoint: { provider: 'microsoft', url: graph.tokenUrl, clientId: graph.credentials.clientId, clientSecret: graph.credentials.clientSecret, clientAuth: 'client_secret_post' }, http: tokenHttp, type: 'refresh_token' });
      const provider = outlook.calendar!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
      const seeded = graph.credentials.refreshToken;
      graph.expireToken();
      expect((await provider.listCalendars()).some((c) => c.primary)).toBe(true);
      expect(graph.requests.filter((r) => r.path === '/v1.0/me/calendars').map((r) => r.status)).toEqual([401, 200]);
      const rotated = graph.credentials.refreshToken;
      expect(rotated).not.toBe(seeded);
      graph.expireToken();
      await provider.listCalendars(); // the second refresh must send the rotated token, or it is invalid_grant
      expect(graph.credentials.refreshToken).not.toBe(rotated);
    } finally {
      await graph.close();
    }
  });
});
