/**
 * Free/busy across Google Calendar, Outlook and CalDAV calendars at once, through the hub in sandbox
 * mode: the Google emulator answers `freeBusy.query`, the Graph emulator `getSchedule`, Radicale
 * only its events (expanded by the hub, recurring ones included). The open slots are checked by
 * hand.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { ProviderCatalog } from '../src/kit/catalog.js';
import { outlook } from '../src/providers/outlook/index.js';
import { PROVIDERS } from '../src/providers/registry.js';

// Outlook joins the registry at integration; until then this file adds it to its own catalog.
const catalog = new ProviderCatalog(PROVIDERS.some((p) => p.manifest.id === 'outlook') ? PROVIDERS : [...PROVIDERS, outlook]);

describe('availability over Google, Outlook and CalDAV at once', () => {
  let hub: Hub;
  const tenant = 'default';
  const day = '2027-06-07'; // a Monday, CEST (UTC+2)

  beforeAll(async () => {
    hub = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-cal-av-')), CALENDAR_PROVIDERS: 'google-calendar,outlook,caldav' }, catalog });
    const at = (hhmm: string) => `${day}T${hhmm}:00+02:00`;
    await hub.calendar.createEvent(tenant, 'primary', { summary: 'Google busy', start: at('09:00'), end: at('10:00') }, { provider: 'google-calendar' });
    await hub.calendar.createEvent(tenant, 'primary', { summary: 'Google free', start: at('15:00'), end: at('16:00') }, { provider: 'google-calendar' }).then((e) =>
      hub.calendar.deleteEvent(tenant, 'primary', e.eventId, { provider: 'google-calendar' }),
    );
    await hub.calendar.createEvent(tenant, 'primary', { summary: 'Outlook busy', start: at('09:30'), end: at('11:00') }, { provider: 'outlook' });
    await hub.calendar.createEvent(tenant, 'primary', { summary: 'CalDAV standup', start: '2027-05-31T13:00:00+02:00', end: '2027-05-31T13:30:00+02:00', timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO'] }, { provider: 'caldav' });
  }, 60_000);
  afterAll(() => hub?.close());

  it('merges the three, reports each, and answers the slots between', async () => {
    const answer = await hub.calendar.availability(tenant, {
      calendars: [
        { provider: 'google-calendar', calendarId: 'primary' },
        { provider: 'outlook', calendarId: 'primary' },
        { provider: 'caldav', calendarId: 'primary' },
      ],
      timeMin: `${day}T00:00:00Z`,
      timeMax: `${day}T23:59:00Z`,
      duration: 60,
      stepMinutes: 30,
      bufferMinutes: 0,
      workingHours: { timeZone: 'Europe/Berlin', days: { mon: [['09:00', '17:00']] } },
    });
    const refs = Object.keys(answer.calendars).sort();
    expect(refs).toEqual(['conn_default_caldav/primary', 'conn_default_google-calendar/primary', 'conn_default_outlook/primary']);
    for (const c of Object.values(answer.calendars)) expect(c.error, `${c.provider}: ${c.error}`).toBeUndefined();
    expect(answer.calendars['conn_default_caldav/primary']!.busy).toEqual([{ start: `${day}T11:00:00Z`, end: `${day}T11:30:00Z` }]); // the weekly occurrence
    expect(answer.busy).toEqual([
      { start: `${day}T07:00:00Z`, end: `${day}T09:00:00Z` }, // 09:00–11:00 local: Google then Outlook
      { start: `${day}T11:00:00Z`, end: `${day}T11:30:00Z` }, // 13:00–13:30 local: CalDAV
    ]);
    // 09:00–17:00 local = 07:00–15:00Z; hour-long slots every 30 minutes around the busy time.
    expect(answer.slots.map((s) => s.start.slice(11, 16))).toEqual(['09:00', '09:30', '10:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00']);
  });
});
