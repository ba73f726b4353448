/**
 * Recurrence checked against outside facts: the occurrences RFC 5545 §3.8.5.3 prints for its
 * examples, and, for every example, python-dateutil (Debian's python3-dateutil), an independent
 * implementation, run as a child process. Includes the end of daylight saving in New York (1997)
 * and both 2026 changes in Berlin (the spring gap and the autumn fold).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandRecurrence, ianaZoneOf, occurrenceIdSuffix, zonedToInstant } from '../src/categories/calendar/recurrence.js';

const here = dirname(fileURLToPath(import.meta.url));
interface Example {
  name: string;
  dtstart: string;
  timeZone?: string;
  lines: string[];
  expected?: string[];
}
const examples = JSON.parse(readFileSync(join(here, 'fixtures/rfc5545/recurrence-examples.json'), 'utf8')) as Example[];
const WINDOW = { timeMin: '1996-01-01T00:00:00Z', timeMax: '2001-01-01T00:00:00Z' };
const windowOf = (e: Example) => (e.dtstart.startsWith('20') ? { timeMin: '2006-01-01T00:00:00Z', timeMax: '2027-12-31T00:00:00Z' } : WINDOW);

/** `19970902T090000` in the example's zone → ISO with offset, as the hub's events carry it. */
function startOf(e: Example): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(e.dtstart)!;
  const wall = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const instant = zonedToInstant(wall, e.timeZone ?? 'America/New_York');
  const offset = Math.round((wall.getTime() - instant) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${sign}${hh}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
}

function ours(e: Example): string[] {
  const start = startOf(e);
  const end = new Date(Date.parse(start) + 3_600_000).toISOString();
  return expandRecurrence({ start, end, allDay: false, timeZone: e.timeZone ?? 'America/New_York', recurrence: e.lines }, windowOf(e)).map((o) => new Date(o.start).toISOString().replace('.000Z', 'Z'));
}

const PYTHON = '/usr/bin/python3';
function dateutilAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import dateutil'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasDateutil = dateutilAvailable();
if (!hasDateutil) {
  const msg = '!!! python3-dateutil is not installed (apt-get install python3-dateutil): the recurrence oracle suite is SKIPPED';
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(msg);
}

describe('recurrence: the occurrences RFC 5545 prints', () => {
  for (const e of examples.filter((x) => x.expected)) {
    it(e.name, () => {
      expect(ours(e)).toEqual(e.expected);
    });
  }
});

describe.skipIf(!hasDateutil)('recurrence: the same as python-dateutil on every RFC 5545 example', () => {
  const oracle = hasDateutil
    ? (JSON.parse(execFileSync(PYTHON, [join(here, 'helpers/dateutil-expand.py')], { input: JSON.stringify(examples.map((e) => ({ ...e, ...windowOf(e) }))), encoding: 'utf8' })) as string[][])
    : [];
  examples.forEach((e, i) => {
    it(e.name, () => {
      const theirs = oracle[i]!;
      expect(theirs.length).toBeGreaterThan(0);
      expect(ours(e)).toEqual(theirs);
    });
  });
});

describe('recurrence: the hub\'s own forms', () => {
  it('keeps local time across a change and writes each occurrence with its own offset', () => {
    const occ = expandRecurrence({ start: '2026-10-19T09:00:00+02:00', end: '2026-10-19T09:30:00+02:00', allDay: false, timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=2'] }, { timeMin: '2026-10-01T00:00:00Z', timeMax: '2026-12-01T00:00:00Z' });
    expect(occ).toEqual([
      { start: '2026-10-19T09:00:00+02:00', end: '2026-10-19T09:30:00+02:00', originalStart: '2026-10-19T09:00:00+02:00' },
      { start: '2026-10-26T09:00:00+01:00', end: '2026-10-26T09:30:00+01:00', originalStart: '2026-10-26T09:00:00+01:00' },
    ]);
  });

  it('expands all-day series as dates with an exclusive end, and honours EXDATE;VALUE=DATE', () => {
    const occ = expandRecurrence({ start: '2026-12-24', end: '2026-12-25', allDay: true, timeZone: null, recurrence: ['RRULE:FREQ=YEARLY;COUNT=3', 'EXDATE;VALUE=DATE:20271224'] }, { timeMin: '2026-01-01T00:00:00Z', timeMax: '2030-01-01T00:00:00Z' });
    expect(occ.map((o) => [o.start, o.end])).toEqual([['2026-12-24', '2026-12-25'], ['2028-12-24', '2028-12-25']]);
  });

  it('answers only occurrences overlapping the window, and stops a runaway rule at the limit', () => {
    const master = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z', allDay: false, timeZone: 'UTC', recurrence: ['RRULE:FREQ=SECONDLY'] };
    expect(expandRecurrence(master, { timeMin: '2026-01-01T00:00:10Z', timeMax: '2026-01-01T00:00:13Z' }).map((o) => o.start)).toEqual(['2026-01-01T00:00:10Z', '2026-01-01T00:00:11Z', '2026-01-01T00:00:12Z']);
    expect(expandRecurrence(master, { timeMin: '2026-01-01T00:00:00Z', timeMax: '2026-02-01T00:00:00Z' }, { limit: 100 }).length).toBeLessThanOrEqual(100);
  });

  it('names the field of a bad rule', () => {
    const master = { start: '2026-01-01T09:00:00Z', end: '2026-01-01T10:00:00Z', allDay: false, timeZone: 'UTC' };
    const window = { timeMin: '2026-01-01T00:00:00Z', timeMax: '2026-02-01T00:00:00Z' };
    expect(() => expandRecurrence({ ...master, recurrence: ['RRULE:FREQ=FORTNIGHTLY'] }, window)).toThrow(/recurrence: RRULE "FREQ=FORTNIGHTLY" cannot be read/);
    expect(() => expandRecurrence({ ...master, recurrence: ['EXRULE:FREQ=DAILY'] }, window)).toThrow(/EXRULE/);
    expect(() => expandRecurrence({ ...master, timeZone: 'Mars/Olympus', recurrence: ['RRULE:FREQ=DAILY'] }, window)).toThrow(/IANA/);
  });

  it('reads a Windows zone name in an EXDATE (as Outlook writes it) as its IANA zone', () => {
    expect([ianaZoneOf('W. Europe Standard Time'), ianaZoneOf('Eastern Standard Time'), ianaZoneOf('Europe/Paris'), ianaZoneOf('Nowhere Standard Time')]).toEqual(['Europe/Berlin', 'America/New_York', 'Europe/Paris', undefined]);
    const occ = expandRecurrence(
      { start: '2027-10-18T09:00:00+02:00', end: '2027-10-18T09:30:00+02:00', allDay: false, timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3', 'EXDATE;TZID=W. Europe Standard Time:20271025T090000'] },
      { timeMin: '2027-10-01T00:00:00Z', timeMax: '2027-12-01T00:00:00Z' },
    );
    expect(occ.map((o) => o.start)).toEqual(['2027-10-18T09:00:00+02:00', '2027-11-01T09:00:00+01:00']);
  });

  it('names occurrences as Google does', () => {
    expect(occurrenceIdSuffix('2026-12-07T09:00:00+01:00')).toBe('20261207T080000Z');
    expect(occurrenceIdSuffix('2026-12-24')).toBe('20261224');
  });
});
