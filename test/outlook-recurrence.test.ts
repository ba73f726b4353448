/**
 * RFC 5545 RRULE ↔ Microsoft Graph patternedRecurrence: every pattern and range type one way and
 * back, the expected Graph shapes for RFC 5545's own examples, and rules Graph cannot express
 * refused with 400 naming `recurrence`.
 */
import type { PatternedRecurrence } from '@microsoft/microsoft-graph-types';
import { describe, expect, it } from 'vitest';
import { expandRecurrence } from '../src/categories/calendar/recurrence.js';
import { fromPatternedRecurrence, toPatternedRecurrence } from '../src/providers/outlook/recurrence.js';
import { failure } from './helpers/hub-error.js';

const timed = { startDate: '2027-01-04', timeZone: 'Europe/Berlin', allDay: false };

describe('RRULE ↔ patternedRecurrence', () => {
  const cases: [string, PatternedRecurrence['pattern']][] = [
    ['RRULE:FREQ=DAILY;INTERVAL=2;COUNT=10', { type: 'daily', interval: 2 }],
    ['RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR', { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday', 'friday'], firstDayOfWeek: 'monday' }],
    ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU;COUNT=8', { type: 'weekly', interval: 2, daysOfWeek: ['tuesday', 'thursday'], firstDayOfWeek: 'sunday' }],
    ['RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6', { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }],
    ['RRULE:FREQ=MONTHLY;BYDAY=-1FR', { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last', firstDayOfWeek: 'monday' }],
    ['RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=SA,SU;BYSETPOS=1', { type: 'relativeMonthly', interval: 3, daysOfWeek: ['saturday', 'sunday'], index: 'first', firstDayOfWeek: 'monday' }],
    ['RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15', { type: 'absoluteYearly', interval: 1, month: 3, dayOfMonth: 15 }],
    ['RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=5', { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth', firstDayOfWeek: 'monday' }],
  ];
  for (const [rule, pattern] of cases) {
    it(`${rule} → ${pattern!.type} → the same rule`, () => {
      const graph = toPatternedRecurrence([rule], timed);
      expect(graph.pattern).toEqual(pattern);
      expect(fromPatternedRecurrence(graph, timed)).toEqual([rule]);
      expect(toPatternedRecurrence(fromPatternedRecurrence(graph, timed), timed)).toEqual(graph);
    });
  }

  it('takes the weekday, day and month a rule leaves out from the start, as RFC 5545 does', () => {
    expect(toPatternedRecurrence(['RRULE:FREQ=WEEKLY'], timed).pattern).toMatchObject({ daysOfWeek: ['monday'] }); // 2027-01-04 is a Monday
    expect(toPatternedRecurrence(['RRULE:FREQ=MONTHLY'], timed).pattern).toMatchObject({ type: 'absoluteMonthly', dayOfMonth: 4 });
    expect(toPatternedRecurrence(['RRULE:FREQ=YEARLY'], timed).pattern).toMatchObject({ type: 'absoluteYearly', month: 1, dayOfMonth: 4 });
  });

  it('ranges: COUNT is numbered, none is noEnd, UNTIL is the local end date, and back as the end of that day in UTC', () => {
    expect(toPatternedRecurrence(['RRULE:FREQ=DAILY;COUNT=3'], timed).range).toEqual({ type: 'numbered', numberOfOccurrences: 3, startDate: '2027-01-04', recurrenceTimeZone: 'Europe/Berlin' });
    expect(toPatternedRecurrence(['RRULE:FREQ=DAILY'], timed).range).toEqual({ type: 'noEnd', startDate: '2027-01-04', recurrenceTimeZone: 'Europe/Berlin' });
    // 23:30Z on 31 January is already 1 February in Berlin.
    const graph = toPatternedRecurrence(['RRULE:FREQ=DAILY;UNTIL=20270131T233000Z'], timed);
    expect(graph.range).toMatchObject({ type: 'endDate', endDate: '2027-02-01' });
    expect(fromPatternedRecurrence(graph, timed)).toEqual(['RRULE:FREQ=DAILY;UNTIL=20270201T225959Z']);
    expect(fromPatternedRecurrence(toPatternedRecurrence(['RRULE:FREQ=DAILY;UNTIL=20270110'], { ...timed, allDay: true }), { ...timed, allDay: true })).toEqual(['RRULE:FREQ=DAILY;UNTIL=20270110']);
  });

  it('the converted rule expands to the same occurrences (the last Friday of each month, across DST)', () => {
    const master = { start: '2027-01-29T09:00:00+01:00', end: '2027-01-29T10:00:00+01:00', allDay: false, timeZone: 'Europe/Berlin' };
    const window = { timeMin: '2027-01-01T00:00:00Z', timeMax: '2028-01-01T00:00:00Z' };
    const rule = 'RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;COUNT=6';
    const back = fromPatternedRecurrence(toPatternedRecurrence([rule], { ...timed, startDate: '2027-01-29' }), timed);
    expect(back).toEqual(['RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=6']);
    const starts = (r: string[]) => expandRecurrence({ ...master, recurrence: r }, window).map((o) => o.start);
    expect(starts(back)).toEqual(starts([rule]));
    expect(starts(back)).toEqual(['2027-01-29T09:00:00+01:00', '2027-02-26T09:00:00+01:00', '2027-03-26T09:00:00+01:00', '2027-04-30T09:00:00+02:00', '2027-05-28T09:00:00+02:00', '2027-06-25T09:00:00+02:00']);
  });

  it('refuses what Graph cannot express, naming recurrence', async () => {
    for (const lines of [['RRULE:FREQ=HOURLY'], ['RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15'], ['RRULE:FREQ=MONTHLY;BYDAY=5MO'], ['RRULE:FREQ=WEEKLY;BYDAY=MO', 'EXDATE:20270111T090000'], ['RRULE:FREQ=DAILY;BYHOUR=9,17'], ['RRULE:FREQ=DAILY;COUNT=2;UNTIL=20270101'], []]) {
      const err = await failure(Promise.resolve().then(() => toPatternedRecurrence(lines, timed)));
      expect([err.code, err.status, err.errors?.[0]?.field]).toEqual(['validation_failed', 400, 'recurrence']);
    }
  });
});
