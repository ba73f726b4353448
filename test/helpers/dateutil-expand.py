"""The independent oracle for recurrence: python-dateutil (Debian's python3-dateutil) expands
RFC 5545 rules the way test/calendar-recurrence.test.ts asks, and prints UTC instants.

stdin: JSON [{dtstart: "19970902T090000", timeZone: "America/New_York", lines: [...],
              timeMin: ISO, timeMax: ISO}]; stdout: JSON [[ISO UTC, ...], ...].
DTSTART counts as the first occurrence (RFC 5545 §3.8.5.3), so it is added as an RDATE, as the
hub's expansion does.
"""
import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr


def parse_value(value, tz):
    value = value.strip()
    if value.endswith('Z'):
        return datetime.strptime(value, '%Y%m%dT%H%M%SZ').replace(tzinfo=timezone.utc)
    return datetime.strptime(value, '%Y%m%dT%H%M%S').replace(tzinfo=tz)


def expand(case):
    tz = ZoneInfo(case.get('timeZone', 'America/New_York'))
    dtstart = parse_value(case['dtstart'], tz)
    rs = rruleset()
    rs.rdate(dtstart)
    for line in case['lines']:
        name, _, value = line.partition(':')
        head = name.split(';')
        params = dict(p.split('=', 1) for p in head[1:])
        zone = ZoneInfo(params['TZID']) if 'TZID' in params else tz
        if head[0] == 'RRULE':
            rs.rrule(rrulestr(value, dtstart=dtstart))
        elif head[0] == 'EXDATE':
            for v in value.split(','):
                rs.exdate(parse_value(v, zone))
        elif head[0] == 'RDATE':
            for v in value.split(','):
                rs.rdate(parse_value(v, zone))
    lo = datetime.fromisoformat(case['timeMin'].replace('Z', '+00:00'))
    hi = datetime.fromisoformat(case['timeMax'].replace('Z', '+00:00'))
    out = []
    for d in rs.between(lo, hi, inc=True):
        if d >= hi:
            continue
        out.append(d.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))
    return out


print(json.dumps([expand(c) for c in json.load(sys.stdin)]))
