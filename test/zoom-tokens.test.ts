/**
 * Zoom's Server-to-Server token through the one token manager, on an injectable clock: fetched
 * once for concurrent and later calls, renewed before it expires (the emulator would still accept
 * the old one, so only the clock can have caused it), and a wrong account or client refused with
 * errors that say what to fix (the client's variables named). Token requests are counted at the Zoom emulator.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { HubError } from '../src/core/errors.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { TokenManager } from '../src/oauth/token-manager.js';
import { Transport } from '../src/transport/transport.js';
import { startZoomEmulator, zoom, type ZoomEmulator } from '../src/providers/zoom/index.js';
import type { MeetingsProvider } from '../src/categories/meetings/contract.js';

let emulator: ZoomEmulator;
beforeAll(async () => {
  emulator = await startZoomEmulator();
});
afterAll(() => emulator?.close());

function connector(credentials: Record<string, string>, clock = fakeClock(Date.now())): { meetings: MeetingsProvider; clock: ReturnType<typeof fakeClock> } {
  const connection: ResolvedConnection = { id: `conn_tokens_${Math.random()}`, tenantId: 't', provider: 'zoom', mode: 'sandbox', baseUrl: emulator.url, credentials };
  const http = new Transport().forConnection({ ...zoom.manifest, retry: { maxAttempts: 1 } } as never, connection);
  const manager = new TokenManager({ clock, logger: createLogger('silent') });
  const meetings = zoom.meetings!({ connection, http, clock, logger: createLogger('silent'), tokens: { source: (grant: never) => manager.source(connection, grant) } } as never);
  return { meetings, clock };
}

it('fetches one token for concurrent and later calls, and renews it before it expires', async () => {
  const { meetings, clock } = connector(emulator.credentials);
  const start = emulator.tokenRequests.issued;
  await Promise.all(Array.from({ length: 5 }, () => meetings.list({})));
  await meetings.list({});
  expect(emulator.tokenRequests.issued - start).toBe(1);
  clock.advance(50 * 60_000); // 10 minutes left of the hour: still fresh
  await meetings.list({});
  expect(emulator.tokenRequests.issued - start).toBe(1);
  clock.advance(6 * 60_000); // under 5 minutes left: renewed before the call
  await meetings.list({});
  expect(emulator.tokenRequests.issued - start).toBe(2);
  await meetings.list({});
  expect(emulator.tokenRequests.issued - start).toBe(2);
});

it('a wrong client secret names ZOOM_CLIENT_SECRET; a wrong account is refused as invalid_request', async () => {
  const refused = emulator.tokenRequests.refused;
  const wrongSecret = connector({ ...emulator.credentials, clientSecret: 'not-the-secret' }).meetings;
  const err = await wrongSecret.list({}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).code).toBe('provider_auth_failed');
  expect((err as HubError).message).toContain('ZOOM_CLIENT_SECRET');
  const wrongAccount = connector({ ...emulator.credentials, accountId: 'another-account' }).meetings;
  const err2 = (await wrongAccount.list({}).catch((e: unknown) => e)) as HubError;
  expect(err2).toBeInstanceOf(HubError);
  expect(err2.message).toContain('Zoom refused the token request (invalid_request: Invalid account_id)'); // Zoom says why in `reason`
  expect(emulator.tokenRequests.refused - refused).toBe(2);
});
