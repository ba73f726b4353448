/**
 * The meetings category on a sandbox hub against the Zoom emulator: the guide's routes right
 * after start (no set-up), the provider-agnostic routes (reschedule keeps the join link, instant
 * and recurring meetings, recordings streamed through the hub, participants, webinars), an account
 * connected through the catalog entry's connect flow, the S2S
 * token fetched once, renewed when Zoom refuses it, and a revoked client named, and Zoom's signed
 * webhooks becoming `meeting.*` events. Signatures and the url_validation answer are computed here
 * with node:crypto exactly as Zoom's documentation states, not with the hub's code.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZoomEmulator } from '../src/providers/zoom/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const CONFIGURED_SECRET = 'configured-zoom-secret-token';
const APP = 'https://app.example.com';
let t: TestHub;
let zoom: ZoomEmulator;

beforeAll(async () => {
  t = await startTestHub({ ZOOM_WEBHOOK_SECRET_TOKEN: CONFIGURED_SECRET, SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' });
  zoom = t.hub.connections.emulator('zoom') as ZoomEmulator;
  zoom.setWebhookTarget(`${t.url}/webhooks/zoom`);
});
afterAll(() => t?.close());

const at = (hours: number) => new Date(Date.UTC(2027, 0, 4, 9) + hours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const create = (body: Record<string, unknown>) => t.api('/api/v1/integrations/zoom/create', { body });
const eventsOf = async (type: string) => (await t.api(`/api/v1/events?type=${type}`)).body.data as { type: string; data: Record<string, unknown>; raw: Record<string, unknown> }[];

/** Zoom's documented scheme, independently: v0=HMAC-SHA256(secret, `v0:${ts}:${body}`) in hex. */
const zoomSign = (secret: string, ts: number, body: string) => ({ 'content-type': 'application/json', 'x-zm-request-timestamp': String(ts), 'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}` });
const postHook = (headers: Record<string, string>, body: string) => fetch(`${t.url}/webhooks/zoom`, { method: 'POST', headers, body });

describe('meetings: the guide\'s Zoom routes on a fresh sandbox hub', () => {
  it('creates a scheduled meeting and answers {id, meetingId, joinUrl, startUrl, password, provider}', async () => {
    const res = await create({ topic: 'Quarterly review', startTime: at(0), duration: 45, settings: { waitingRoom: true, autoRecording: 'cloud' } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'joinUrl', 'meetingId', 'password', 'provider', 'startUrl']);
    expect(res.body).toMatchObject({ provider: 'zoom', meetingId: expect.stringMatching(/^\d{11}$/), joinUrl: expect.stringContaining('/j/'), password: expect.any(String) });
    expect(res.body.id).toBe(`zoom:${res.body.meetingId}`);
    const got = await t.api(`/api/v1/integrations/zoom/${res.body.meetingId}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ topic: 'Quarterly review', kind: 'scheduled', startTime: at(0), duration: 45, settings: { waitingRoom: true, autoRecording: 'cloud' } });
    // What Zoom received: its own field names.
    expect(zoom.account.find(res.body.meetingId)!.body).toMatchObject({ type: 2, start_time: at(0), settings: { waiting_room: true, auto_recording: 'cloud' } });
  });

  it('refuses bad input with 400 naming the field, before Zoom is asked', async () => {
    const before = zoom.requests.length;
    const res = await create({ startTime: 'next tuesday', duration: 30 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['topic', 'startTime']));
    expect((await t.api('/api/v1/meetings', { body: { topic: 'x', kind: 'recurring', startTime: at(1) } })).body.errors[0].field).toBe('recurrence');
    expect(zoom.requests.length).toBe(before);
  });

  it('a reschedule patches the same meeting and keeps its join link', async () => {
    const m = await create({ topic: 'Design sync', startTime: at(2), duration: 30 });
    const res = await t.api(`/api/v1/meetings/${m.body.id}`, { method: 'PATCH', body: { startTime: at(26), duration: 60 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: m.body.id, meetingId: m.body.meetingId, joinUrl: m.body.joinUrl, startTime: at(26), duration: 60 });
    expect((await t.api(`/api/v1/meetings/${m.body.meetingId}?provider=zoom`)).body.joinUrl).toBe(m.body.joinUrl);
  });

  it('creates instant and recurring (type 8) meetings, and lists them', async () => {
    const instant = await t.api('/api/v1/meetings', { body: { topic: 'Now' } });
    expect(instant.status).toBe(201);
    expect(instant.body).toMatchObject({ kind: 'instant', provider: 'zoom' });
    const weekly = await t.api('/api/v1/meetings', { body: { topic: 'Standup', startTime: at(3), duration: 15, recurrence: { frequency: 'weekly', weekdays: [1, 3, 5], count: 10 } } });
    expect(weekly.status).toBe(201);
    expect(weekly.body).toMatchObject({ kind: 'recurring', recurrence: { frequency: 'weekly', weekdays: [1, 3, 5], count: 10, interval: 1 } });
    // Zoom numbers days from Sunday (1): Monday, Wednesday, Friday are 2,4,6.
    expect(zoom.account.find(weekly.body.meetingId)!.body).toMatchObject({ type: 8, recurrence: { type: 2, weekly_days: '2,4,6', end_times: 10 } });
    const list = await t.api('/api/v1/meetings?pageSize=2');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.nextPageToken).toEqual(expect.any(String));
    const next = await t.api(`/api/v1/meetings?pageSize=300&pageToken=${list.body.nextPageToken}`);
    expect(next.body.data.map((m: { meetingId: string }) => m.meetingId)).toContain(weekly.body.meetingId);
  });

  it('deletes a meeting; it is then 404 meeting_not_found', async () => {
    const m = await create({ topic: 'Cancelled', startTime: at(4), duration: 30 });
    expect((await t.api(`/api/v1/integrations/zoom/${m.body.meetingId}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await t.api(`/api/v1/integrations/zoom/${m.body.meetingId}`);
    expect([gone.status, gone.body.code, gone.body.providerCode]).toEqual([404, 'meeting_not_found', '3001']);
  });

  it('the routes are in the OpenAPI document, with their bodies', async () => {
    const spec = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(spec.paths['/api/v1/integrations/zoom/create']?.post?.requestBody).toBeDefined();
    expect(spec.paths['/api/v1/meetings']?.post?.requestBody).toBeDefined();
    expect(spec.paths['/api/v1/meetings/{id}']?.patch?.requestBody).toBeDefined();
    for (const path of ['/api/v1/integrations/zoom/{meetingId}', '/api/v1/integrations/zoom/{meetingId}/recordings', '/api/v1/meetings/{id}/recordings/{fileId}/download', '/api/v1/meetings/{id}/participants', '/api/v1/meetings/webinars/{id}/registrants']) expect(spec.paths, path).toHaveProperty([path]);
  });

  it('hub.meetings does the same for library users', async () => {
    const m = await t.hub.meetings.create('default', { topic: 'From the library', startTime: at(10), duration: 20, settings: { muteUponEntry: true } });
    expect(m).toMatchObject({ id: `zoom:${m.meetingId}`, provider: 'zoom', settings: { muteUponEntry: true } });
    const moved = await t.hub.meetings.update('default', m.id, { startTime: at(11) });
    expect([moved.joinUrl, moved.startTime]).toEqual([m.joinUrl, at(11)]);
    await t.hub.meetings.delete('default', m.meetingId, 'zoom');
    await expect(t.hub.meetings.get('default', m.id)).rejects.toMatchObject({ code: 'meeting_not_found' });
  });

  it('scopes: a meetings:read key reads but cannot create', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'meetings-reader', scopes: ['meetings:read'] });
    expect((await t.as(key, '/api/v1/integrations/zoom/create', { topic: 'x', startTime: at(5), duration: 10 })).status).toBe(403);
    expect((await t.as(key, '/api/v1/meetings')).status).toBe(200);
  });
});

describe('meetings: a meeting\'s life through Zoom\'s webhooks', () => {
  it('started, joined, left, ended, recording.completed become meeting.* events; recordings stream through the hub', async () => {
    const m = await create({ topic: 'Board meeting', startTime: at(6), duration: 60, settings: { autoRecording: 'cloud' } });
    const id = m.body.meetingId as string;
    await zoom.startMeeting(id);
    const ada = await zoom.join(id, { name: 'Ada', email: 'ada@example.com' });
    await zoom.join(id, { name: 'Grace', email: 'grace@example.com' });
    await zoom.leave(id, ada.participantId);
    await zoom.endMeeting(id);
    await zoom.drainWebhooks!();
    await expect.poll(async () => (await eventsOf('meeting.*')).filter((e) => e.data.meetingId === id).map((e) => e.type).sort()).toEqual(
      ['meeting.ended', 'meeting.participant_joined', 'meeting.participant_joined', 'meeting.participant_left', 'meeting.participant_left', 'meeting.recording.completed', 'meeting.started'].sort(),
    );
    const completed = (await eventsOf('meeting.recording.completed')).find((e) => e.data.meetingId === id)!;
    expect(JSON.stringify(completed.raw)).not.toContain('download_token');
    // Nor does the inbox keep it: the stored delivery is the body without the token.
    const stored = await t.hub.store.db.selectFrom('webhook_inbox').select('body').where('provider', '=', 'zoom').execute();
    const recordingBody = stored.map((r) => r.body).find((b) => b.includes('"recording.completed"'));
    expect(recordingBody).toBeDefined();
    expect(recordingBody).not.toContain('download_token');
    expect((completed.data.files as unknown[]).length).toBe(2);

    const recordings = await t.api(`/api/v1/integrations/zoom/${id}/recordings`);
    expect(recordings.status).toBe(200);
    const mp4 = recordings.body.files.find((f: { fileType: string }) => f.fileType === 'MP4');
    const file = zoom.account.find(id)!.recordings.find((f) => f.id === mp4.id)!;
    const media = await fetch(`${t.url}/api/v1/meetings/zoom:${id}/recordings/${mp4.id}/download`, { headers: { authorization: `Bearer ${t.key}` } });
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await media.arrayBuffer()).equals(file.bytes)).toBe(true);

    const people = await t.api(`/api/v1/meetings/zoom:${id}/participants`);
    expect(people.status).toBe(200);
    expect(people.body.data.map((p: { name: string }) => p.name).sort()).toEqual(['Ada', 'Grace']);
    expect(people.body.data[0]).toMatchObject({ joinTime: expect.any(String), leaveTime: expect.any(String) });

    expect((await t.api(`/api/v1/meetings/zoom:${id}/recordings/${mp4.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/v1/meetings/zoom:${id}/recordings`)).body.files.map((f: { id: string }) => f.id)).not.toContain(mp4.id);
    expect((await t.api(`/api/v1/meetings/zoom:${id}/recordings`, { method: 'DELETE' })).status).toBe(204);
    const none = await t.api(`/api/v1/meetings/zoom:${id}/recordings`);
    expect([none.status, none.body.code]).toEqual([404, 'meeting_recording_not_found']);
  });

  it('answers endpoint.url_validation with HMAC-SHA256(secret token, plainToken) in hex', async () => {
    const res = await zoom.urlValidation('qgg8vlvZRS6UYooatFL8Aw');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', zoom.webhookSecret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
    // With the configured secret token too (honoured in sandbox mode beside the emulator's).
    const body = JSON.stringify({ event: 'endpoint.url_validation', event_ts: Date.now(), payload: { plainToken: 'abc123' } });
    const own = await postHook(zoomSign(CONFIGURED_SECRET, Math.floor(Date.now() / 1000), body), body);
    expect(await own.json()).toEqual({ plainToken: 'abc123', encryptedToken: createHmac('sha256', CONFIGURED_SECRET).update('abc123').digest('hex') });
  });

  it('accepts an event signed as Zoom documents it, refuses forged, tampered and stale ones (401)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ event: 'meeting.started', event_ts: Date.now(), payload: { account_id: 'acc', object: { id: '12345678901', uuid: 'indep/uuid==', topic: 'Signed by the test', host_id: 'h' } } });
    expect((await postHook(zoomSign(CONFIGURED_SECRET, now, body), body)).status).toBe(200);
    await expect.poll(async () => (await eventsOf('meeting.started')).some((e) => e.data.uuid === 'indep/uuid==')).toBe(true);
    expect((await postHook(zoomSign('not-the-secret', now, body), body)).status).toBe(401);
    expect((await postHook(zoomSign(CONFIGURED_SECRET, now, body), body.replace('Signed', 'Forged'))).status).toBe(401);
    const stale = await postHook(zoomSign(CONFIGURED_SECRET, now - 6 * 60, body), body);
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([401, 'webhook_timestamp_stale']);
    const unsigned = await postHook({ 'content-type': 'application/json' }, body);
    expect([unsigned.status, ((await unsigned.json()) as { code: string }).code]).toEqual([401, 'webhook_signature_missing']);
    // A forged url_validation gets no answer computed with our secret.
    const check = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'x' } });
    expect((await postHook(zoomSign('attacker', now, check), check)).status).toBe(401);
  });
});

describe('meetings: more of Zoom\'s webhooks', () => {
  it('a redelivered event is one event; the emulator\'s HTTP control triggers signed webhooks too', async () => {
    const m = await create({ topic: 'Redelivered', startTime: at(8), duration: 30 });
    const body = JSON.stringify({ event: 'meeting.ended', event_ts: 1767000000000, payload: { account_id: 'acc', object: { id: m.body.meetingId, uuid: 'redelivered==', topic: 'Redelivered' } } });
    const now = Math.floor(Date.now() / 1000);
    expect((await postHook(zoomSign(CONFIGURED_SECRET, now, body), body)).status).toBe(200);
    expect((await postHook(zoomSign(CONFIGURED_SECRET, now + 1, body), body)).status).toBe(200);
    await expect.poll(async () => (await eventsOf('meeting.ended')).filter((e) => e.data.uuid === 'redelivered==').length).toBe(1);

    const origin = new URL(zoom.url).origin;
    expect((await fetch(`${origin}/__emulator/meetings/${m.body.meetingId}/start`, { method: 'POST' })).status).toBe(200);
    await zoom.drainWebhooks!();
    await expect.poll(async () => (await eventsOf('meeting.started')).some((e) => e.data.meetingId === m.body.meetingId)).toBe(true);
  });

  it('a tenant\'s own Zoom connection verifies /webhooks/zoom/<connection> with its own secret token, for its tenant', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'globex', tenantId: 'globex' });
    const made = await t.as(key, '/api/v1/connections', { provider: 'zoom', name: 'main', credentials: { clientId: 'cid', clientSecret: 'csecret', accountId: 'acc', webhookSecretToken: 'globex-secret-token' } });
    expect(made.status).toBe(201);
    const body = JSON.stringify({ event: 'meeting.started', event_ts: Date.now(), payload: { account_id: 'acc', object: { id: '55555555555', uuid: 'globex==', topic: 'Globex' } } });
    const now = Math.floor(Date.now() / 1000);
    const url = `${t.url}/webhooks/zoom/${made.body.id}`;
    expect((await fetch(url, { method: 'POST', headers: zoomSign(CONFIGURED_SECRET, now, body), body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: zoomSign('globex-secret-token', now, body), body })).status).toBe(200);
    await expect.poll(async () => ((await t.as(key, '/api/v1/events?type=meeting.started')).body.data as { data: { uuid: string } }[]).some((e) => e.data.uuid === 'globex==')).toBe(true);
    expect((await eventsOf('meeting.started')).some((e) => e.data.uuid === 'globex==')).toBe(false); // not the default tenant's
  });

  it('Zoom\'s 429 with Retry-After is waited out and the call answers', async () => {
    zoom.chaos.retryAfterSec = 0;
    zoom.chaos.rateLimitNext = 1;
    const res = await create({ topic: 'After a 429', startTime: at(9), duration: 15 });
    expect(res.status).toBe(201);
    expect(zoom.chaos.rateLimitNext).toBe(0);
  });
});

describe('meetings: webinars and capabilities', () => {
  it('creates a webinar with registration and registers attendees', async () => {
    const w = await t.api('/api/v1/meetings/webinars', { body: { topic: 'Launch', startTime: at(30), duration: 60, registration: true } });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ provider: 'zoom', webinarId: expect.stringMatching(/^\d+$/), registrationUrl: expect.any(String) });
    const r = await t.api(`/api/v1/meetings/webinars/${w.body.id}/registrants`, { body: { email: 'lin@example.com', firstName: 'Lin', lastName: 'Chen' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ provider: 'zoom', email: 'lin@example.com', registrantId: expect.any(String), joinUrl: expect.any(String) });
    const list = await t.api(`/api/v1/meetings/webinars/${w.body.id}/registrants`);
    expect(list.body.data.map((x: { email: string }) => x.email)).toEqual(['lin@example.com']);
    expect((await t.api(`/api/v1/meetings/webinars/${w.body.id}/registrants`, { body: { email: 'nope', firstName: 'X' } })).status).toBe(400);
  });

  it('participant controls Zoom\'s REST API lacks answer 422 capability_unsupported', async () => {
    const m = await create({ topic: 'Live', startTime: at(7), duration: 30 });
    const res = await t.api(`/api/v1/meetings/${m.body.id}/participants/p1`, { body: { action: 'mute' } });
    expect([res.status, res.body.code]).toEqual([422, 'capability_unsupported']);
  });

  it('a meeting id of a provider outside the meetings chain is a 400, never a fallback', async () => {
    const res = await t.api('/api/v1/meetings/stripe:123');
    expect([res.status, res.body.code, res.body.errors[0].field]).toEqual([400, 'validation_failed', 'provider']);
  });
});

describe('meetings: Zoom over the catalog entry', () => {
  it('a Zoom account connected over OAuth creates meetings for its tenant with its own user token', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    const started = await t.as(key, '/api/v1/connections/oauth/start', { provider: 'zoom', redirectUrl: APP });
    expect(started.status).toBe(200);
    const consent = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
    const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    const connectionId = new URL(back.headers.get('location')!).searchParams.get('connectionId')!;
    expect(connectionId).toMatch(/^conn_/);
    const before = zoom.tokenRequests.issued;
    const created = await t.as(key, '/api/v1/meetings', { topic: 'Connected account', startTime: at(12), duration: 30 });
    expect(created.status).toBe(201);
    expect(zoom.account.find(created.body.meetingId)).toBeDefined();
    // The tenant's own user token (issued by the sandbox authorization server), no Server-to-Server one.
    expect(zoom.tokenRequests.issued).toBe(before);
    expect((await t.hub.connections.byId(connectionId))!.tokens?.refreshToken).toBeTruthy();
  });
});

describe('meetings: the Server-to-Server token', () => {
  it('is fetched once and reused, renewed when Zoom refuses an expired one, and a revoked client is named', async () => {
    const issued = zoom.tokenRequests.issued;
    expect(issued).toBe(1); // every call above shared one token
    for (let i = 0; i < 3; i++) expect((await t.api('/api/v1/meetings')).status).toBe(200);
    expect(zoom.tokenRequests.issued).toBe(1);
    zoom.expireTokens(); // Zoom answers 401 code 124: the token manager renews once and the call is sent again
    expect((await t.api('/api/v1/meetings')).status).toBe(200);
    expect(zoom.tokenRequests.issued).toBe(2);
    expect((await t.api('/api/v1/meetings')).status).toBe(200);
    expect(zoom.tokenRequests.issued).toBe(2);

    zoom.rotateClientSecret();
    zoom.expireTokens();
    const res = await t.api('/api/v1/meetings');
    expect([res.status, res.body.code]).toEqual([502, 'provider_auth_failed']); // the registry's status for refused credentials
    expect(res.body.detail).toContain('ZOOM_CLIENT_SECRET');
    expect(zoom.tokenRequests.refused).toBeGreaterThanOrEqual(1);
  });
});
