/**
 * The generated VTIMEZONEs read by someone else: ical.js's own timezone code (`ICAL.Timezone`)
 * and python-dateutil's `tzical` (Debian's python3-dateutil, when installed) must give the same
 * UTC offsets as the runtime's zone data at every hour around every transition and at noon on
 * every day for five years, for zones with northern, southern, half-hour and irregular rules.
 */
import { spawnSync } from 'node:child_process';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { vtimezone, zonedToUtc, isoInZone } from './tz.js';
import { zoneOffsetMinutes as offsetAt } from '../../categories/calendar/recurrence.js';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Tokyo', 'America/Sao_Paulo', 'Africa/Casablanca', 'UTC'];
const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2031, 0, 1);

/** Instants to compare: noon UTC each day, and each hour on the days the offset changes. */
function samples(zone: string): number[] {
  const out: number[] = [];
  for (let t = FROM + 12 * HOUR; t < TO; t += 24 * HOUR) {
    out.push(t);
    if (offsetAt(zone, t) !== offsetAt(zone, t - 24 * HOUR)) for (let h = -36; h <= 12; h++) out.push(t + h * HOUR);
  }
  return out;
}

describe('vtimezone', () => {
  it('writes Berlin as two yearly rules', () => {
    const text = vtimezone('Europe/Berlin', 2026).toString(); // in force from 1 January 2026: the rules start in 2025
    expect(text).toContain('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU');
    expect(text).toContain('RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU');
    expect(text).toMatch(/BEGIN:DAYLIGHT\r\nDTSTART:20250330T020000\r\nTZOFFSETFROM:\+0100\r\nTZOFFSETTO:\+0200/);
  });

  // ical.js answers offsets from the wall clock, which in the last hour before a change can be read
  // either way (it takes the later one): those hours are left to dateutil, checked at every hour below.
  it.each(ZONES)('%s: ical.js reads the same offsets as Intl', (zone) => {
    const tz = new ICAL.Timezone(vtimezone(zone, 2026, 5));
    const wrong = samples(zone).filter((t) => {
      if (offsetAt(zone, t + HOUR) !== offsetAt(zone, t)) return false;
      const local = ICAL.Time.fromJSDate(new Date(t), true).convertToZone(tz);
      return local.utcOffset() / 60 !== offsetAt(zone, t);
    });
    expect(wrong.map((t) => new Date(t).toISOString()).slice(0, 5)).toEqual([]);
  });

  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import dateutil.tz'], { stdio: 'ignore' }).status === 0);
  if (!python && process.env.CI !== 'true') console.warn('\n!!! python3-dateutil is not installed: the VTIMEZONE check against dateutil is SKIPPED (apt-get install python3-dateutil)\n');
  it.skipIf(!python && process.env.CI !== 'true').each(ZONES)('%s: python-dateutil tzical reads the same offsets as Intl', (zone) => {
    if (!python) throw new Error('CI=true but python3-dateutil is not installed');
    const vcal = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${vtimezone(zone, 2026, 5).toString()}\r\nEND:VCALENDAR\r\n`;
    const instants = samples(zone);
    const script = `
import sys, json, io, datetime
from dateutil.tz import tzical
data = json.load(sys.stdin)
tz = tzical(io.StringIO(data['vcal'])).get()
out = []
for ms in data['instants']:
    dt = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).astimezone(tz)
    out.append(int(dt.utcoffset().total_seconds() // 60))
print(json.dumps(out))`;
    const res = spawnSync(python!, ['-c', script], { input: JSON.stringify({ vcal, instants }), encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const offsets = JSON.parse(res.stdout) as number[];
    const wrong = instants.filter((t, i) => offsets[i] !== offsetAt(zone, t));
    expect(wrong.map((t) => new Date(t).toISOString()).slice(0, 5)).toEqual([]);
  });
});

describe('zonedToUtc', () => {
  it('moves a time in the spring gap forward and takes the first of a repeated one', () => {
    expect(isoInZone(zonedToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'), 'Europe/Berlin')).toBe('2026-03-29T03:30:00+02:00');
    expect(isoInZone(zonedToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'), 'Europe/Berlin')).toBe('2026-10-25T02:30:00+02:00');
    expect(new Date(zonedToUtc({ year: 2026, month: 12, day: 7, hour: 9, minute: 0, second: 0 }, 'America/New_York')).toISOString()).toBe('2026-12-07T14:00:00.000Z');
  });
});
