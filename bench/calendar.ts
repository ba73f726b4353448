/**
 * Calendars through the hub, two figures, each in a sandbox hub of its own process:
 * 1. event create: `POST /api/v1/integrations/calendar/google/event` (auth, validation, the
 *    connection, the Google Calendar connector over the transport) vs the same event POSTed
 *    straight to the Google Calendar emulator (`/calendars/primary/events` with its token).
 * 2. free/busy over three providers: `POST /api/v1/calendar/availability` over the primary
 *    calendars of Google Calendar, Outlook (Graph emulator) and CalDAV (Radicale, when installed),
 *    busy time merged and open 30-minute slots computed, vs one direct `POST /freeBusy` to the
 *    Google Calendar emulator: what asking three providers at once and merging costs over asking one.
 * Each calendar holds 30 events (some weekly series) in the week asked about.
 *
 * @example
 * const figures = await benchCalendar(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHub } from '../src/hub.js';
import type { GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';
import { benchThroughHub, serveSandboxHub, type ThroughHubFigures } from './payments.js';
import type { RequestSpec } from './requests.js';

const WEEK = { timeMin: '2027-03-01T00:00:00Z', timeMax: '2027-03-08T00:00:00Z' };

async function setupCalendar(variant: 'create' | 'freebusy') {
  const hub = await createHub({
    env: {
      MOCK_EXTERNAL_APIS: 'true',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-calendar-')),
      RATE_LIMIT_GOOGLE_CALENDAR: '1000000/s',
      RATE_LIMIT_OUTLOOK: '1000000/s',
      RATE_LIMIT_CALDAV: '1000000/s',
      EMAIL_PROVIDERS: 'smtp',
    },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  await hub.connections.startEmulators(); // the direct baseline needs the emulator now
  const google = hub.connections.emulator('google-calendar') as GoogleCalendarEmulator;
  // The load generator takes an origin and a path: the emulator's base path (/calendar/v3) goes in the path.
  const { origin, pathname: base } = new URL(google.url);
  const bearer = { authorization: `Bearer ${google.tokens.accessToken}`, 'content-type': 'application/json' };
  const hubHeaders = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const providers = ['google-calendar', 'outlook', ...(hub.connections.emulator('caldav') ? ['caldav'] : [])];
  if (variant === 'create') {
    const direct: RequestSpec = {
      kind: 'static',
      method: 'POST',
      path: `${base}/calendars/primary/events?sendUpdates=none`,
      headers: bearer,
      body: JSON.stringify({ summary: 'Bench', start: { dateTime: '2027-03-01T09:00:00Z', timeZone: 'UTC' }, end: { dateTime: '2027-03-01T09:30:00Z', timeZone: 'UTC' } }),
    };
    const viaHub: RequestSpec = { kind: 'static', method: 'POST', path: '/api/v1/integrations/calendar/google/event', headers: hubHeaders, body: JSON.stringify({ summary: 'Bench', startTime: '2027-03-01T09:00:00Z', endTime: '2027-03-01T09:30:00Z', timeZone: 'UTC' }) };
    return { hub, info: { url, emulatorUrl: origin, viaHub, direct }, providers: ['google-calendar'] };
  }
  // 30 events per calendar over the week: 25 single ones and 5 daily series.
  for (const provider of providers) {
    for (let i = 0; i < 30; i++) {
      const day = 1 + (i % 5);
      const hour = 8 + (i % 9);
      const start = `2027-03-0${day}T${String(hour).padStart(2, '0')}:00:00Z`;
      const end = `2027-03-0${day}T${String(hour).padStart(2, '0')}:45:00Z`;
      await hub.calendar.createEvent('default', 'primary', { summary: `Busy ${i}`, start, end, timeZone: 'UTC', ...(i % 6 === 0 && { recurrence: ['RRULE:FREQ=DAILY;COUNT=5'] }) }, { provider });
    }
  }
  const direct: RequestSpec = { kind: 'static', method: 'POST', path: `${base}/freeBusy`, headers: bearer, body: JSON.stringify({ ...WEEK, items: [{ id: 'primary' }] }) };
  const viaHub: RequestSpec = {
    kind: 'static',
    method: 'POST',
    path: '/api/v1/calendar/availability',
    headers: hubHeaders,
    body: JSON.stringify({ ...WEEK, duration: 30, calendars: providers.map((provider) => ({ provider, calendarId: 'primary' })), workingHours: { timeZone: 'Europe/Berlin', days: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] } }, bufferMinutes: 5 }),
  };
  return { hub, info: { url, emulatorUrl: origin, viaHub, direct }, providers };
}

export interface CalendarFigures {
  create: ThroughHubFigures;
  freeBusy: ThroughHubFigures;
}

export async function benchCalendar(): Promise<CalendarFigures> {
  const file = fileURLToPath(import.meta.url);
  const create = await benchThroughHub('calendar event create: hub vs direct Google', file, 'create');
  // 20 req/s: within what three providers (one a Python CalDAV server) answer, so the added latency is not a queue's.
  const freeBusy = await benchThroughHub('free/busy 3 providers vs 1 direct', file, 'freebusy', 20);
  return { create, freeBusy };
}

if (process.argv[2] === 'child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const variant = process.argv[3] === 'freebusy' ? 'freebusy' : 'create';
  serveSandboxHub(() => setupCalendar(variant)).catch((err: unknown) => (console.error(err), process.exit(1)));
}
