/**
 * The Microsoft Graph emulator (sandbox mode and tests), one server for Outlook calendars and
 * Teams meetings: the v2.0 token endpoint `POST /{tenant}/oauth2/v2.0/token` (refresh tokens
 * rotate on every use, as Microsoft's do: a used one answers `invalid_grant`), and under `/v1.0`
 * `/me`, calendars, events (series expanded into occurrences, exceptions, cancelled occurrences),
 * `calendarView`, `instances`, `accept|decline|tentativelyAccept`, `calendarPermissions`,
 * `getSchedule`, `calendarView/delta` (with a control that forgets its state: 410 `syncStateNotFound`),
 * subscriptions (the `validationToken` check, change and lifecycle notifications; see
 * `subscriptions.ts`) and `onlineMeetings`. Bearer tokens are checked (401
 * `InvalidAuthenticationToken`), errors have Graph's shape, paging uses `@odata.nextLink` with an
 * opaque `$skiptoken`, and answers are in UTC. Chaos answers 429 with `Retry-After`; `requests`
 * records each answer's time and status (to see a client wait).
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/calendar-overview
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CalendarPermission, CalendarRoleType, Event, OnlineMeeting, ScheduleInformation } from '@microsoft/microsoft-graph-types';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, listenLoopback } from '../../emulator-kit.js';
import { runningOAuthEmulator } from '../../oauth-sandbox/shared.js';
import type { TokenSet } from '../../../kit/connection.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { GraphFault, Mailbox, notFound, type StoredEvent } from './store.js';
import { Subscriptions, type Delivery } from './subscriptions.js';

export interface GraphEmulatorOptions extends EmulatorOptions {
  /** The mailbox's address (default `sandbox@contoso.example`). */
  mail?: string;
}

/** The running Graph emulator. */
export interface GraphEmulator extends Emulator {
  readonly credentials: { clientId: string; clientSecret: string; refreshToken: string; tenantId: string };
  readonly tokens: TokenSet;
  /** The token endpoint (`{origin}/{tenant}/oauth2/v2.0/token`). */
  readonly tokenUrl: string;
  readonly mailbox: Mailbox;
  readonly subscriptions: Subscriptions;
  /** The last 1000 change and lifecycle notifications posted, with the answer's status. */
  readonly deliveries: Delivery[];
  /** The last 1000 API answers: when, the path, the status (429s included). */
  readonly requests: { at: number; method: string; path: string; status: number }[];
  /** Forget every delta state: the next delta link answers 410 `syncStateNotFound`. */
  expireDeltaTokens(): void;
  /** Post a lifecycle notification for a subscription. */
  lifecycle(subscriptionId: string, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): void;
  /** The current access token stops working (401 `InvalidAuthenticationToken`). */
  expireToken(): void;
}

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string>; Body: Record<string, unknown> }>;
const TOKEN_TTL_SEC = 3599;
const DEFAULT_PAGE = 10;
/** The newest answers and deliveries kept for tests and the dashboard. */
const KEPT = 1000;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unb64 = <T>(s: string): T | undefined => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
};

/**
 * Starts a Graph emulator on a loopback port with a fresh app registration, refresh and access token.
 *
 * @example
 * const graph = await startGraphEmulator();
 * // connection: { baseUrl: graph.url, credentials: graph.credentials, tokens: graph.tokens }
 */
export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const userId = randomUUID();
  const tenantId = randomUUID();
  const mailbox = new Mailbox({ id: userId, mail: options.mail ?? 'sandbox@contoso.example', displayName: 'Sandbox User' });
  const subscriptions = new Subscriptions(mailbox, tenantId);
  const credentials = { clientId: randomUUID(), clientSecret: `${randomBytes(3).toString('hex')}~${randomBytes(24).toString('base64url')}`, refreshToken: `M.C5${randomBytes(40).toString('base64url')}`, tenantId };
  // Its own access tokens do not lapse with time (a sandbox default connection has no grant to renew
  // them, and a dev hub must keep working after the hour): `expireToken()` ends them.
  const access = new Set<string>();
  let refreshToken = credentials.refreshToken;
  const issue = (): TokenSet => {
    const accessToken = `eyJ0eXAiOiJKV1Qi.${randomBytes(32).toString('base64url')}`;
    access.add(accessToken);
    return { accessToken, refreshToken, tokenType: 'Bearer', obtainedAt: Date.now(), expiresAt: Date.now() + TOKEN_TTL_SEC * 1000, scopes: ['Calendars.ReadWrite', 'OnlineMeetings.ReadWrite', 'User.Read'] };
  };
  let tokens = issue();
  const requests: GraphEmulator['requests'] = [];

  const fault = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.code(status).send({ error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } });
  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => fault(reply, 503, 'ServiceNotAvailable', 'The service is temporarily unavailable.'),
    rateLimited: (reply) => fault(reply, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'),
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.url.startsWith('/__emulator')) return;
    requests.push({ at: Date.now(), method: req.method, path: req.url.split('?')[0]!, status: reply.statusCode });
    if (requests.length > KEPT) requests.splice(0, requests.length - KEPT); // a dev hub runs for days
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof GraphFault) return fault(reply, err.status, err.code, err.message);
    if (((err as { statusCode?: number }).statusCode ?? 500) < 500) return fault(reply, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    return fault(reply, 500, 'InternalServerError', (err as Error).message);
  });
  app.setNotFoundHandler((req, reply) => fault(reply, 400, 'BadRequest', `Resource not found for the segment '${req.url.split('?')[0]!.split('/').pop()}'.`));

  // The v2.0 token endpoint: refresh_token grant, rotating refresh tokens.
  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const b = req.body ?? {};
    const oauthError = (status: number, error: string, description: string) => reply.code(status).send({ error, error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`, error_codes: [error === 'invalid_grant' ? 70008 : 7000215], timestamp: new Date().toISOString() });
    if (b.client_id !== credentials.clientId || b.client_secret !== credentials.clientSecret) return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    if (b.grant_type !== 'refresh_token') return oauthError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${b.grant_type}'.`);
    if (b.refresh_token !== refreshToken) return oauthError(400, 'invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired or was already used.');
    refreshToken = `M.C5${randomBytes(40).toString('base64url')}`;
    tokens = issue();
    return { token_type: 'Bearer', scope: 'https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/OnlineMeetings.ReadWrite https://graph.microsoft.com/User.Read', expires_in: TOKEN_TTL_SEC, ext_expires_in: TOKEN_TTL_SEC, access_token: tokens.accessToken, refresh_token: refreshToken };
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1.0/')) return;
    const [, token] = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '') ?? [];
    const sandbox = token ? runningOAuthEmulator()?.accessToken(token) : undefined;
    const ok = token && (access.has(token) || sandbox?.provider === 'microsoft');
    if (!ok) return fault(reply.header('www-authenticate', 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'), 401, 'InvalidAuthenticationToken', token ? 'Lifetime validation failed, the token is expired.' : 'Access token is empty.');
  });

  const text = (req: Req) => /outlook\.body-content-type="?text/i.test(String(req.headers.prefer ?? ''));
  const origin = () => url.replace(/\/v1\.0$/, '');
  /** One page of `items` and the link to the next (the query kept, `$skiptoken` replaced). */
  const page = <T>(req: Req, items: T[], extra: Record<string, unknown> = {}) => {
    const top = Number(req.query.$top ?? /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? DEFAULT_PAGE);
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw new GraphFault(400, 'ErrorInvalidUrlQuery', `The value '${req.query.$top}' is not valid for $top.`);
    const offset = req.query.$skiptoken ? (unb64<{ o: number }>(req.query.$skiptoken)?.o ?? NaN) : 0;
    if (!Number.isInteger(offset)) throw new GraphFault(400, 'ErrorInvalidUrlQuery', 'The $skiptoken is not valid.');
    const next = new URL(req.url, origin());
    next.searchParams.set('$skiptoken', b64({ o: offset + top }));
    return { ...extra, value: items.slice(offset, offset + top), ...(offset + top < items.length && { '@odata.nextLink': `${origin()}${next.pathname}${next.search}` }) };
  };
  const calendarOf = (req: Req) => mailbox.calendar(req.params.calId);
  const calId = (req: Req) => calendarOf(req).data.id!;
  /** The clauses of `$filter` the connectors use: `end/dateTime ge '…'`, `start/dateTime lt '…'`, `isOnlineMeeting eq true`. */
  const filterOf = (f: string | undefined) => {
    const out: { min?: number; max?: number; online?: boolean } = {};
    for (const clause of (f ?? '').split(/\s+and\s+/i).filter(Boolean)) {
      const m = /^(end\/dateTime ge|start\/dateTime lt|isOnlineMeeting eq) '?([^']+)'?$/i.exec(clause.trim());
      if (!m) throw new GraphFault(400, 'ErrorInvalidUrlQueryFilter', `The query filter contains one or more invalid nodes: ${clause}`);
      if (/^end/i.test(m[1]!)) out.min = Date.parse(`${m[2]!.slice(0, 19)}Z`);
      else if (/^start/i.test(m[1]!)) out.max = Date.parse(`${m[2]!.slice(0, 19)}Z`);
      else out.online = m[2] === 'true';
    }
    return out;
  };
  const windowOf = (req: Req) => {
    const { startDateTime: s, endDateTime: e } = req.query;
    if (!s || !e || Number.isNaN(Date.parse(s)) || Number.isNaN(Date.parse(e))) throw new GraphFault(400, 'ErrorInvalidParameter', "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    return { timeMin: new Date(Date.parse(s)).toISOString(), timeMax: new Date(Date.parse(e)).toISOString() };
  };
  const listEvents = (req: Req, calendarId: string) => {
    const f = filterOf(req.query.$filter);
    const list = [...mailbox.events.values()].filter((e) => e.calendarId === calendarId && (f.online === undefined || !!e.data.isOnlineMeeting === f.online) && mailbox.overlaps(e, f.min, f.max));
    return page(req, list.sort((a, b) => a.startMs - b.startMs).map((e) => mailbox.render(e, text(req))));
  };
  /** `calendarView/delta`: the window and the change sequence travel in the opaque tokens of its links. */
  const deltaOf = (req: Req, calendarId: string) => {
    type Token = { o?: number; s: number; u?: number; e: number; w: { timeMin: string; timeMax: string } };
    const given = req.query.$skiptoken ?? req.query.$deltatoken;
    const token = given ? unb64<Token>(given) : undefined;
    if (given && (!token?.w || token.e !== mailbox.deltaEpoch)) throw new GraphFault(410, 'syncStateNotFound', 'The sync state generation is not found. Please retry the request without the delta token.');
    const window = token?.w ?? windowOf(req);
    const since = token?.s ?? 0;
    const upto = (req.query.$skiptoken ? token?.u : undefined) ?? mailbox.seq;
    const items = mailbox.deltaItems(calendarId, window, since, upto, text(req));
    const top = Number(/odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? DEFAULT_PAGE);
    const offset = (req.query.$skiptoken ? token?.o : undefined) ?? 0;
    const path = `${origin()}${req.url.split('?')[0]!}`;
    const more = offset + top < items.length;
    const next: Token = more ? { o: offset + top, s: since, u: upto, e: mailbox.deltaEpoch, w: window } : { s: upto, e: mailbox.deltaEpoch, w: window };
    return { value: items.slice(offset, offset + top), ...(more ? { '@odata.nextLink': `${path}?$skiptoken=${b64(next)}` } : { '@odata.deltaLink': `${path}?$deltatoken=${b64(next)}` }) };
  };
  const findEvent = (id: string) => mailbox.find(id);
  const renderFound = (req: Req, id: string): Event => {
    const { master, suffix } = findEvent(id);
    if (suffix === undefined) return mailbox.render(master, text(req));
    return mailbox.instances(master, { timeMin: '1970-01-01T00:00:00Z', timeMax: '2100-01-01T00:00:00Z' }, text(req)).find((i) => i.id === id) ?? (() => { throw notFound(); })();
  };
  const permissionOf = (req: Req) => {
    const list = calendarOf(req).permissions;
    const i = list.findIndex((p) => p.id === req.params.permId);
    if (i < 0) throw notFound();
    return { list, i };
  };

  // Calendar-scoped routes answer for the default calendar (`/me/calendar`) and any (`/me/calendars/{id}`).
  for (const prefix of ['/v1.0/me/calendar', '/v1.0/me/calendars/:calId']) {
    app.get(prefix, async (req: Req) => calendarOf(req).data);
    app.get(`${prefix}/events`, async (req: Req) => listEvents(req, calId(req)));
    app.post(`${prefix}/events`, async (req: Req, reply) => reply.code(201).send(mailbox.render(mailbox.create(calId(req), req.body as Event), text(req))));
    app.get(`${prefix}/calendarView`, async (req: Req) => page(req, mailbox.view(calId(req), windowOf(req), text(req))));
    app.get(`${prefix}/calendarView/delta`, async (req: Req) => deltaOf(req, calId(req)));
    app.get(`${prefix}/calendarPermissions`, async (req: Req) => ({ value: calendarOf(req).permissions }));
    app.post(`${prefix}/calendarPermissions`, async (req: Req, reply) => {
      const b = req.body as CalendarPermission;
      const address = b.emailAddress?.address;
      const allowed: CalendarRoleType[] = ['none', 'freeBusyRead', 'limitedRead', 'read', 'write', 'delegateWithoutPrivateEventAccess', 'delegateWithPrivateEventAccess'];
      if (!address || !allowed.includes(b.role ?? 'custom')) throw new GraphFault(400, 'ErrorInvalidRequest', `emailAddress.address and a role (${allowed.join(', ')}) are required.`);
      const list = calendarOf(req).permissions;
      if (list.some((p) => p.emailAddress?.address?.toLowerCase() === address.toLowerCase())) throw new GraphFault(409, 'ErrorItemAlreadyExists', 'The permission for this user already exists.');
      const made: CalendarPermission = { id: Buffer.from(address).toString('base64'), emailAddress: { name: b.emailAddress?.name ?? address, address }, isRemovable: true, isInsideOrganization: b.isInsideOrganization ?? true, role: b.role, allowedRoles: allowed.slice(0, 7) };
      list.push(made);
      return reply.code(201).send(made);
    });
    app.patch(`${prefix}/calendarPermissions/:permId`, async (req: Req) => {
      const { list, i } = permissionOf(req);
      return Object.assign(list[i]!, { role: (req.body as CalendarPermission).role ?? list[i]!.role });
    });
    app.delete(`${prefix}/calendarPermissions/:permId`, async (req: Req, reply) => {
      const { list, i } = permissionOf(req);
      if (!list[i]!.isRemovable) throw new GraphFault(400, 'ErrorInvalidRequest', 'This permission cannot be removed.');
      list.splice(i, 1);
      return reply.code(204).send();
    });
  }
  app.get('/v1.0/me', async () => ({ id: userId, displayName: mailbox.user.displayName, mail: mailbox.user.mail, userPrincipalName: mailbox.user.mail, givenName: 'Sandbox', surname: 'User' }));
  app.get('/v1.0/me/calendars', async (req: Req) => page(req, [...mailbox.calendars.values()].map((c) => c.data)));
  app.post('/v1.0/me/calendars', async (req: Req, reply) => {
    const name = (req.body as { name?: unknown }).name;
    if (typeof name !== 'string' || name.trim() === '') throw new GraphFault(400, 'ErrorInvalidRequest', 'The calendar name is required.');
    if ([...mailbox.calendars.values()].some((c) => c.data.name === name)) throw new GraphFault(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    return reply.code(201).send(mailbox.addCalendar(name));
  });
  app.get('/v1.0/me/events', async (req: Req) => listEvents(req, mailbox.primaryId));
  app.get('/v1.0/me/calendarView/delta', async (req: Req) => deltaOf(req, mailbox.primaryId));
  app.get('/v1.0/me/events/:id', async (req: Req) => renderFound(req, req.params.id!));
  app.patch('/v1.0/me/events/:id', async (req: Req) => {
    mailbox.update(req.params.id!, req.body as Event);
    return renderFound(req, req.params.id!);
  });
  app.delete('/v1.0/me/events/:id', async (req: Req, reply) => {
    mailbox.delete(req.params.id!);
    return reply.code(204).send();
  });
  app.get('/v1.0/me/events/:id/instances', async (req: Req) => {
    const { master, suffix } = findEvent(req.params.id!);
    if (suffix !== undefined || !master.data.recurrence) throw new GraphFault(400, 'ErrorInvalidRequest', 'The instances of a non-recurring event or an occurrence are not available.');
    return page(req, mailbox.instances(master, windowOf(req), text(req)));
  });
  for (const [action, response] of [['accept', 'accepted'], ['decline', 'declined'], ['tentativelyAccept', 'tentativelyAccepted']] as const) {
    app.post(`/v1.0/me/events/:id/${action}`, async (req: Req, reply) => {
      const { master, suffix } = findEvent(req.params.id!);
      // Simplification: the organizer may answer when it listed itself as an attendee (Graph refuses organizers).
      const me = (master.data.attendees ?? []).find((a) => a.emailAddress?.address?.toLowerCase() === mailbox.user.mail.toLowerCase());
      if (!me) throw new GraphFault(400, 'ErrorInvalidRequest', "Your request can't be completed. You can't respond to this meeting because you're the meeting organizer.");
      if (suffix === undefined) me.status = { response, time: new Date().toISOString() };
      else mailbox.update(req.params.id!, { attendees: (master.data.attendees ?? []).map((a) => (a === me ? { ...a, status: { response, time: new Date().toISOString() } } : a)) });
      mailbox.update(master.id, {});
      return reply.code(202).send();
    });
  }
  app.post('/v1.0/me/calendar/getSchedule', async (req: Req) => {
    const b = req.body as { schedules?: string[]; startTime?: { dateTime?: string }; endTime?: { dateTime?: string } };
    if (!Array.isArray(b.schedules) || !b.startTime?.dateTime || !b.endTime?.dateTime) throw new GraphFault(400, 'ErrorInvalidRequest', 'schedules, startTime and endTime are required.');
    const window = { timeMin: `${b.startTime.dateTime.slice(0, 19)}Z`, timeMax: `${b.endTime.dateTime.slice(0, 19)}Z` };
    const value: ScheduleInformation[] = b.schedules.map((address) => {
      if (address.toLowerCase() !== mailbox.user.mail.toLowerCase()) return { scheduleId: address, error: { message: `The user or mailbox ${address} was not found.`, responseCode: 'ErrorMailRecipientNotFound' } };
      const items = mailbox.view(mailbox.primaryId, window).map((e) => ({ isPrivate: false, status: e.showAs ?? 'busy', subject: e.subject, start: e.start, end: e.end }));
      return { scheduleId: address, availabilityView: '', scheduleItems: items, workingHours: { daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: 'UTC' } } } as ScheduleInformation;
    });
    return { value };
  });
  app.post('/v1.0/subscriptions', async (req: Req, reply) => reply.code(201).send(await subscriptions.create(req.body ?? {})));
  app.get('/v1.0/subscriptions', async () => ({ value: [...subscriptions.items.values()].map(({ calendarId: _c, ...s }) => s) }));
  app.patch('/v1.0/subscriptions/:id', async (req: Req) => subscriptions.renew(req.params.id!, (req.body as { expirationDateTime?: unknown }).expirationDateTime));
  app.delete('/v1.0/subscriptions/:id', async (req: Req, reply) => {
    subscriptions.remove(req.params.id!);
    return reply.code(204).send();
  });
  const meetingOf = (id: string) => mailbox.onlineMeetings.get(id) ?? (() => { throw notFound(); })();
  app.get('/v1.0/me/onlineMeetings', async (req: Req) => {
    const m = /^JoinWebUrl eq '(.+)'$/i.exec(req.query.$filter ?? '');
    if (!m) throw new GraphFault(400, 'BadRequest', "Filter on JoinWebUrl is required: $filter=JoinWebUrl eq '<url>'.");
    const joinUrl = m[1]!.replace(/''/g, "'");
    return { value: [...mailbox.onlineMeetings.values()].filter((o) => o.joinWebUrl === joinUrl) };
  });
  app.post('/v1.0/me/onlineMeetings', async (req: Req, reply) => {
    const b = req.body as OnlineMeeting;
    const start = Date.parse(b.startDateTime ?? new Date().toISOString());
    const made = mailbox.newOnlineMeeting(b.subject ?? '', start, Date.parse(b.endDateTime ?? new Date(start + 3_600_000).toISOString()));
    return reply.code(201).send(Object.assign(made, b.lobbyBypassSettings && { lobbyBypassSettings: b.lobbyBypassSettings }, b.recordAutomatically !== undefined && { recordAutomatically: b.recordAutomatically }));
  });
  app.get('/v1.0/me/onlineMeetings/:id', async (req: Req) => meetingOf(req.params.id!));
  app.patch('/v1.0/me/onlineMeetings/:id', async (req: Req) => {
    const b = req.body as OnlineMeeting;
    const m = meetingOf(req.params.id!);
    for (const k of ['subject', 'startDateTime', 'endDateTime', 'lobbyBypassSettings', 'recordAutomatically', 'allowedPresenters'] as const) if (b[k] !== undefined) (m as Record<string, unknown>)[k] = b[k];
    return m;
  });
  app.delete('/v1.0/me/onlineMeetings/:id', async (req: Req, reply) => {
    meetingOf(req.params.id!);
    mailbox.onlineMeetings.delete(req.params.id!);
    return reply.code(204).send();
  });
  app.post('/__emulator/expire-delta', async () => {
    mailbox.deltaEpoch++;
    return { expired: true };
  });
  app.post<{ Body: { subscriptionId: string; lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed' } }>('/__emulator/lifecycle', async (req) => {
    subscriptions.lifecycle(req.body.subscriptionId, req.body.lifecycleEvent);
    return { sent: true };
  });

  const url = `${await listenLoopback(app, options.port)}/v1.0`;
  return {
    url,
    get credentials() {
      return { ...credentials, refreshToken };
    },
    get tokens() {
      return tokens;
    },
    tokenUrl: `${url.replace(/\/v1\.0$/, '')}/${tenantId}/oauth2/v2.0/token`,
    mailbox,
    subscriptions,
    deliveries: subscriptions.deliveries,
    requests,
    chaos,
    accepted: [] as StoredEvent[],
    expireDeltaTokens: () => void mailbox.deltaEpoch++,
    lifecycle: (id, event) => subscriptions.lifecycle(id, event),
    expireToken: () => access.clear(),
    setWebhookTarget() {
      // Subscriptions name their own notification URLs.
    },
    drainWebhooks: () => subscriptions.drain(),
    close: async () => {
      await subscriptions.close();
      await app.close();
    },
  };
}

