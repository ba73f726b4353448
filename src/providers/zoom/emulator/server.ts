/**
 * The Zoom emulator: Server-to-Server OAuth at `POST /oauth/token` (`grant_type=account_credentials`,
 * `account_id`, the client as HTTP Basic; 1-hour bearer tokens, or `tokenTtlSec`), the Meetings API
 * v2 under `/v2` (the token required: 401 `{code: 124, message: "Invalid access token."}`
 * otherwise; tokens the shared sandbox authorization server issued for `zoom` are accepted too, as
 * for an account connected through the connect flow), Zoom's `{code, message}` errors, 429 with
 * `Retry-After` through chaos, recording files at `/rec/download/{fileId}` (bearer token or
 * `?access_token=`), and Zoom's side of webhooks: signed `meeting.started`, `meeting.ended`,
 * `meeting.participant_joined|left`, `recording.completed` when a test (or `/__emulator/...`)
 * starts, joins and ends a meeting, and the `endpoint.url_validation` check.
 *
 * @see https://developers.zoom.us/docs/internal-apps/s2s-oauth/
 * @see https://developers.zoom.us/docs/api/meetings/
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { createEmulatorApp, listenLoopback, randomId, WebhookPoster, webhookControls } from '../../emulator-kit.js';
import { runningOAuthEmulator } from '../../oauth-sandbox/shared.js';
import { signZoomWebhook } from './sign.js';
import { INVALID_TOKEN, MEETING_NOT_FOUND, NO_RECORDING, ZoomAccount, zoomError, type EmulatedMeeting, type ZoomError } from './state.js';

type Json = Record<string, unknown>;

/** One API call as the emulator received it (the spec-conformance suite reads these). */
export interface ZoomApiRequest {
  method: string;
  /** The route as Zoom's reference names it: `/users/{userId}/meetings`. */
  route: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
  answer: unknown;
}

/** The hub's answer to a request the emulator posted. */
export interface PostedToHub {
  status: number;
  body: string;
  rawBody: string;
  headers: Record<string, string>;
}

export interface ZoomEmulatorOptions extends EmulatorOptions {
  /** Access tokens live this long (default 3600 s, as Zoom's). */
  tokenTtlSec?: number;
}

export interface ZoomEmulator extends Emulator {
  readonly credentials: { clientId: string; clientSecret: string; accountId: string; webhookSecretToken: string };
  readonly webhookSecret: string;
  readonly account: ZoomAccount;
  readonly requests: ZoomApiRequest[];
  /** Token requests answered with a token (and refused ones). */
  readonly tokenRequests: { issued: number; refused: number };
  /** Every token issued so far is expired from now on (the API answers 401, code 124). */
  expireTokens(): void;
  /** A new client secret: the old one is refused (`invalid_client`), as after a rotation or a revoked app. */
  rotateClientSecret(): string;
  startMeeting(meetingId: string): Promise<void>;
  join(meetingId: string, who: { name: string; email?: string }): Promise<{ participantId: string }>;
  leave(meetingId: string, participantId: string): Promise<void>;
  /** Ends the meeting (everyone leaves); `record` (or cloud auto-recording) makes recording files and posts `recording.completed`. */
  endMeeting(meetingId: string, options?: { record?: boolean }): Promise<void>;
  /** Posts a signed `endpoint.url_validation` and answers the hub's reply. */
  urlValidation(plainToken?: string): Promise<PostedToHub & { plainToken: string }>;
  /** Posts one event signed with the emulator's secret (or `secret`, `timestampSec`); answers the hub's reply. */
  postEvent(event: string, object: Json, options?: { secret?: string; timestampSec?: number; target?: string }): Promise<PostedToHub>;
}

const TOKEN_TTL_SEC = 3600;
const DOWNLOAD_BYTES_HEADER = 'application/octet-stream';

/**
 * @example
 * const zoom = await startZoomEmulator();
 * // connection: { baseUrl: zoom.url, credentials: zoom.credentials } — tokens from `${origin}/oauth/token`
 */
export async function startZoomEmulator(options: ZoomEmulatorOptions = {}): Promise<ZoomEmulator> {
  const ttl = options.tokenTtlSec ?? TOKEN_TTL_SEC;
  const credentials = { clientId: randomId(16), clientSecret: randomBytes(24).toString('base64url'), accountId: '', webhookSecretToken: randomBytes(16).toString('base64url') };
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const tokenRequests = { issued: 0, refused: 0 };
  const requests: ZoomApiRequest[] = [];
  const accepted: unknown[] = [];
  let origin = '';
  const account = new ZoomAccount(() => origin);
  credentials.accountId = account.accountId;
  const poster = new WebhookPoster(options.eventDelayMs ?? 0);

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send({ code: 500, message: 'Internal Error.' }),
    rateLimited: (reply) => reply.send({ code: 429, message: "You have reached the maximum per-second rate limit for this API. Try again later." }),
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
    if ((err.statusCode ?? 500) < 500) return reply.code(400).send({ code: 300, message: 'Request Body should be a valid JSON object.' });
    return reply.code(500).send({ code: 500, message: 'Internal Error.' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 404, message: 'Not found.' }));

  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  // Server-to-Server OAuth: parameters in the query (as Zoom documents) or the form body.
  app.post('/oauth/token', async (req, reply) => {
    const params = { ...(req.query as Json), ...((req.body as Json | undefined) ?? {}) };
    const [, basic] = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '') ?? [];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    if (!id || !secret || !same(id, credentials.clientId) || !same(secret, credentials.clientSecret)) {
      tokenRequests.refused++;
      return reply.code(401).send({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
    }
    if (params.grant_type !== 'account_credentials') {
      tokenRequests.refused++;
      return reply.code(400).send({ reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
    }
    if (params.account_id !== credentials.accountId) {
      tokenRequests.refused++;
      return reply.code(400).send({ reason: 'Invalid account_id', error: 'invalid_request' });
    }
    tokenRequests.issued++;
    const token = `eyJzdiI6IjAwMDAwMSJ9.${randomBytes(32).toString('base64url')}`;
    tokens.set(token, Date.now() + ttl * 1000);
    return { access_token: token, token_type: 'bearer', expires_in: ttl, scope: 'meeting:read:admin meeting:write:admin recording:read:admin recording:write:admin webinar:read:admin webinar:write:admin', api_url: origin };
  });

  const valid = (token: string) => {
    const exp = tokens.get(token);
    if (exp !== undefined) return Date.now() < exp;
    return runningOAuthEmulator()?.accessToken(token)?.provider === 'zoom';
  };
  const bearer = (req: FastifyRequest) => /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const fail = (reply: FastifyReply, e: ZoomError) => reply.code(e.status).send(e.body);

  // Every `/v2` call: a valid token, then recorded for the spec-conformance suite.
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/v2/')) return;
    const token = bearer(req);
    if (!token || !valid(token)) return fail(reply, INVALID_TOKEN);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/v2/')) {
      let answer: unknown;
      try {
        answer = typeof payload === 'string' && payload !== '' ? JSON.parse(payload) : undefined;
      } catch {
        answer = payload;
      }
      requests.push({ method: req.method, route: (req.routeOptions.url ?? req.url).replace(/^\/v2/, '').replace(/:(\w+)/g, '{$1}'), query: { ...(req.query as Record<string, unknown>) }, body: req.body, status: reply.statusCode, answer });
    }
    return payload;
  });

  const meeting = (id: string): EmulatedMeeting | ZoomError => account.find(id) ?? MEETING_NOT_FOUND(id);
  const isError = (v: unknown): v is ZoomError => typeof v === 'object' && v !== null && 'status' in v && 'body' in v && typeof (v as ZoomError).body?.code === 'number';
  const me = (userId: string) => userId === 'me' || userId === 'KDcuGIm1QgePTO8WbOqwIQ';

  type P = { Params: { userId: string; meetingId: string; fileId: string; webinarId: string }; Querystring: Record<string, string | undefined>; Body: Json };

  app.post<P>('/v2/users/:userId/meetings', async (req, reply) => {
    if (!me(req.params.userId)) return fail(reply, zoomError(404, 1001, `User does not exist: ${req.params.userId}.`));
    const m = account.create(req.body ?? {});
    if (isError(m)) return fail(reply, m);
    accepted.push(m.body);
    return reply.code(201).send(m.body);
  });
  app.get<P>('/v2/users/:userId/meetings', async (req, reply) => {
    if (!me(req.params.userId)) return fail(reply, zoomError(404, 1001, `User does not exist: ${req.params.userId}.`));
    const size = Math.min(Number(req.query.page_size ?? 30) || 30, 300);
    const all = account.list(req.query.type ?? 'scheduled');
    const from = req.query.next_page_token ? Number(Buffer.from(req.query.next_page_token, 'base64url').toString()) : 0;
    const page = all.slice(from, from + size);
    const next = from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : '';
    return { page_size: size, total_records: all.length, next_page_token: next, meetings: page };
  });
  app.get<P>('/v2/meetings/:meetingId', async (req, reply) => {
    const m = meeting(req.params.meetingId);
    return isError(m) ? fail(reply, m) : m.body;
  });
  app.patch<P>('/v2/meetings/:meetingId', async (req, reply) => {
    const e = account.update(req.params.meetingId, req.body ?? {});
    return e ? fail(reply, e) : reply.code(204).send();
  });
  app.delete<P>('/v2/meetings/:meetingId', async (req, reply) => {
    const m = meeting(req.params.meetingId);
    if (isError(m)) return fail(reply, m);
    account.meetings.delete(m.id);
    return reply.code(204).send();
  });
  app.get<P>('/v2/meetings/:meetingId/recordings', async (req, reply) => {
    const m = meeting(decodeURIComponent(req.params.meetingId));
    if (isError(m)) return fail(reply, m);
    if (m.recordings.every((f) => f.deleted)) return fail(reply, NO_RECORDING);
    return account.recordingsOf(m, origin);
  });
  app.delete<P>('/v2/meetings/:meetingId/recordings', async (req, reply) => {
    const m = meeting(decodeURIComponent(req.params.meetingId));
    if (isError(m)) return fail(reply, m);
    if (m.recordings.every((f) => f.deleted)) return fail(reply, NO_RECORDING);
    for (const f of m.recordings) f.deleted = true;
    return reply.code(204).send();
  });
  app.delete<P>('/v2/meetings/:meetingId/recordings/:fileId', async (req, reply) => {
    const m = meeting(decodeURIComponent(req.params.meetingId));
    if (isError(m)) return fail(reply, m);
    const f = m.recordings.find((r) => r.id === req.params.fileId && !r.deleted);
    if (!f) return fail(reply, NO_RECORDING);
    f.deleted = true;
    return reply.code(204).send();
  });
  app.get<{ Params: { fileId: string }; Querystring: { access_token?: string } }>('/rec/download/:fileId', async (req, reply) => {
    const token = bearer(req) ?? req.query.access_token;
    if (!token || !valid(token)) return fail(reply, INVALID_TOKEN);
    const f = account.file(req.params.fileId);
    if (!f) return fail(reply, NO_RECORDING);
    return reply.type(f.fileType === 'MP4' ? 'video/mp4' : f.fileType === 'M4A' ? 'audio/mp4' : DOWNLOAD_BYTES_HEADER).header('content-length', f.bytes.length).send(f.bytes);
  });
  app.get<P>('/v2/past_meetings/:meetingId/participants', async (req, reply) => {
    const m = meeting(decodeURIComponent(req.params.meetingId));
    if (isError(m)) return fail(reply, m);
    if (m.status !== 'finished') return fail(reply, zoomError(400, 12702, 'Can not access meeting information that is not ended.'));
    const size = Math.min(Number(req.query.page_size ?? 30) || 30, 300);
    const from = req.query.next_page_token ? Number(Buffer.from(req.query.next_page_token, 'base64url').toString()) : 0;
    const all = m.participants;
    const next = from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : '';
    return {
      page_count: Math.ceil(all.length / size),
      page_size: size,
      total_records: all.length,
      next_page_token: next,
      participants: all.slice(from, from + size).map((p) => ({ id: p.id, name: p.name, user_email: p.email, join_time: p.joinTime, leave_time: p.leaveTime, duration: Math.max(0, Math.round((Date.parse(p.leaveTime ?? p.joinTime) - Date.parse(p.joinTime)) / 1000)), status: 'in_meeting' })),
    };
  });
  app.post<P>('/v2/users/:userId/webinars', async (req, reply) => {
    if (!me(req.params.userId)) return fail(reply, zoomError(404, 1001, `User does not exist: ${req.params.userId}.`));
    const w = account.createWebinar(req.body ?? {});
    return isError(w) ? fail(reply, w) : reply.code(201).send(w);
  });
  app.post<P>('/v2/webinars/:webinarId/registrants', async (req, reply) => {
    const w = account.webinars.get(Number(req.params.webinarId));
    if (!w) return fail(reply, zoomError(404, 3001, `Webinar does not exist: ${req.params.webinarId}.`));
    const b = req.body ?? {};
    if (typeof b.email !== 'string' || !b.email.includes('@') || typeof b.first_name !== 'string' || b.first_name === '') return fail(reply, zoomError(400, 300, 'Validation Failed.'));
    const registrant = { id: randomId(12), registrant_id: randomId(12), email: b.email, first_name: b.first_name, last_name: typeof b.last_name === 'string' ? b.last_name : '', status: 'approved', create_time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), join_url: `${w.body.join_url as string}?tk=${randomId(16)}` };
    w.registrants.push(registrant);
    return reply.code(201).send({ id: String(w.body.id), registrant_id: registrant.registrant_id, topic: w.body.topic, start_time: w.body.start_time, join_url: registrant.join_url, occurrences: [] });
  });
  app.get<P>('/v2/webinars/:webinarId/registrants', async (req, reply) => {
    const w = account.webinars.get(Number(req.params.webinarId));
    if (!w) return fail(reply, zoomError(404, 3001, `Webinar does not exist: ${req.params.webinarId}.`));
    return { page_count: 1, page_number: 1, page_size: 30, total_records: w.registrants.length, next_page_token: '', registrants: w.registrants };
  });

  // Zoom's side of webhooks.
  const envelope = (event: string, object: Json) => JSON.stringify({ event, event_ts: Date.now(), payload: { account_id: account.accountId, object } });
  const send = (event: string, object: Json, extra: Json = {}) => {
    const body = JSON.stringify({ event, event_ts: Date.now(), payload: { account_id: account.accountId, object }, ...extra });
    poster.post(body, signZoomWebhook(body, credentials.webhookSecretToken));
  };
  async function postNow(body: string, headers: Record<string, string>, target = poster.target): Promise<PostedToHub> {
    if (!target) throw new Error('the Zoom emulator has no webhook target: setWebhookTarget first');
    const res = await fetch(target, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text(), rawBody: body, headers };
  }
  const meetingObject = (m: EmulatedMeeting) => ({ id: String(m.id), uuid: m.uuid, host_id: m.body.host_id, topic: m.body.topic, type: m.body.type, start_time: m.body.start_time, timezone: m.body.timezone, duration: m.body.duration });
  const must = (id: string) => {
    const m = account.find(id);
    if (!m) throw new Error(`the Zoom emulator has no meeting ${id}`);
    return m;
  };

  const controls = {
    async startMeeting(id: string) {
      const m = must(id);
      account.start(m);
      send('meeting.started', meetingObject(m));
    },
    async join(id: string, who: { name: string; email?: string }) {
      const m = must(id);
      const p = account.join(m, who);
      send('meeting.participant_joined', { ...meetingObject(m), participant: { user_id: p.id, user_name: p.name, id: p.id, participant_uuid: p.participantUuid, join_time: p.joinTime, email: p.email } });
      return { participantId: p.participantUuid };
    },
    async leave(id: string, participantId: string) {
      const m = must(id);
      const p = m.participants.find((x) => x.participantUuid === participantId);
      if (!p) throw new Error(`no participant ${participantId} in meeting ${id}`);
      account.leave(p);
      send('meeting.participant_left', { ...meetingObject(m), participant: { user_id: p.id, user_name: p.name, id: p.id, participant_uuid: p.participantUuid, leave_time: p.leaveTime, email: p.email } });
    },
    async endMeeting(id: string, o: { record?: boolean } = {}) {
      const m = must(id);
      const before = m.recordings.length;
      for (const p of account.end(m, o.record ?? false)) {
        send('meeting.participant_left', { ...meetingObject(m), participant: { user_id: p.id, user_name: p.name, id: p.id, participant_uuid: p.participantUuid, leave_time: p.leaveTime, email: p.email } });
      }
      send('meeting.ended', { ...meetingObject(m), end_time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      if (m.recordings.length > before) send('recording.completed', account.recordingsOf(m, origin), { download_token: randomBytes(24).toString('base64url') });
    },
  };

  app.post<{ Params: { id: string } }>('/__emulator/meetings/:id/start', async (req) => controls.startMeeting(req.params.id).then(() => ({ ok: true })));
  app.post<{ Params: { id: string }; Body: { name: string; email?: string } }>('/__emulator/meetings/:id/join', async (req) => controls.join(req.params.id, req.body));
  app.post<{ Params: { id: string }; Body: { record?: boolean } }>('/__emulator/meetings/:id/end', async (req) => controls.endMeeting(req.params.id, req.body ?? {}).then(() => ({ ok: true })));
  app.post('/__emulator/expire-tokens', async () => {
    for (const t of tokens.keys()) tokens.set(t, 0);
    return { ok: true };
  });

  origin = await listenLoopback(app, options.port);
  const url = `${origin}/v2`;
  return {
    url,
    credentials,
    webhookSecret: credentials.webhookSecretToken,
    account,
    requests,
    tokenRequests,
    chaos,
    accepted,
    ...webhookControls(poster, app),
    expireTokens() {
      for (const t of tokens.keys()) tokens.set(t, 0);
    },
    rotateClientSecret() {
      credentials.clientSecret = randomBytes(24).toString('base64url');
      return credentials.clientSecret;
    },
    ...controls,
    async urlValidation(plainToken = randomBytes(16).toString('base64url')) {
      const body = envelope('endpoint.url_validation', {}).replace('"object":{}', `"plainToken":${JSON.stringify(plainToken)}`);
      return { ...(await postNow(body, signZoomWebhook(body, credentials.webhookSecretToken))), plainToken };
    },
    async postEvent(event, object, o = {}) {
      const body = envelope(event, object);
      return postNow(body, signZoomWebhook(body, o.secret ?? credentials.webhookSecretToken, o.timestampSec), o.target);
    },
  };
}
