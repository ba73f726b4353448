/**
 * The Zoom vendor folder over the catalog entry `zoom`: an account connected through the connect
 * flow (the sandbox authorization server playing Zoom's user OAuth) is a tenant's meetings
 * connection, its user token accepted by the Zoom emulator and refreshed by the hub's Zoom app;
 * the default connection's S2S token is not used for it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ZoomEmulator } from '../src/providers/zoom/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const APP = 'https://app.example.com';
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' });
});
afterAll(() => t?.close());

it('a Zoom account connected over OAuth creates meetings for its tenant with its own token', async () => {
  const { key } = await t.hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
  const started = await t.as(key, '/api/v1/connections/oauth/start', { provider: 'zoom', redirectUrl: APP });
  expect(started.status).toBe(200);
  const consent = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
  const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  const connectionId = new URL(back.headers.get('location')!).searchParams.get('connectionId')!;
  expect(connectionId).toMatch(/^conn_/);

  const zoom = t.hub.connections.emulator('zoom') as ZoomEmulator | undefined;
  const before = zoom?.tokenRequests.issued ?? 0;
  const created = await t.as(key, '/api/v1/meetings', { topic: 'Connected account', startTime: '2027-02-01T10:00:00Z', duration: 30 });
  expect(created.status).toBe(201);
  expect(created.body.provider).toBe('zoom');
  const emulator = t.hub.connections.emulator('zoom') as ZoomEmulator;
  expect(emulator.account.find(created.body.meetingId)).toBeDefined();
  // The tenant's own user token, not a Server-to-Server one from the emulator's token endpoint.
  expect(emulator.tokenRequests.issued).toBe(before);
  const connection = (await t.hub.connections.byId(connectionId))!;
  expect(connection.tokens?.refreshToken).toBeTruthy();
});
