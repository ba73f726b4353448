/**
 * What the Google Calendar and Google Meet connectors send, and what the emulator answers, held
 * against Google's published description of Calendar API v3 (`../shared/specs/google/calendar_v3.json`,
 * never copied in): each request matches an operation by path and method and validates
 * (openapi-backend), every query parameter sent is one the operation declares, every body field
 * (nested ones too) is a property of the operation's request schema, and every field of a
 * successful answer is a property of its response schema. Skipped loudly without `../shared`;
 * fails under CI=true.
 */
import { readFileSync } from 'node:fs';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestProblems } from './helpers/openapi-requests.js';
import { startRecordingProxy, type RecordingProxy } from './helpers/recording-proxy.js';
import { requireShared, sharedFile } from './helpers/shared-files.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { googleCalendar, googleCalendarManifest, googleMeet, googleMeetManifest, startGoogleCalendarEmulator, type GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';
import { Transport } from '../src/transport/transport.js';

const SPEC = 'specs/google/calendar_v3.json';
const haveSpec = requireShared('Google Calendar spec conformance', SPEC);
const PREFIX = '/calendar/v3';

type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

describe.skipIf(!haveSpec)('Google Calendar requests and answers against the published Calendar v3 description', () => {
  let spec: { paths: Record<string, Record<string, Operation> & { parameters?: Json[] }>; components: { schemas: Record<string, Json>; parameters: Record<string, Json> } };
  let api: OpenAPIBackend;
  let emulator: GoogleCalendarEmulator;
  let proxy: RecordingProxy;

  /** `$ref` resolved (one level at a time, as the walk needs). */
  const deref = (node: Json | undefined): Json | undefined => {
    if (!node || typeof node.$ref !== 'string') return node;
    const [, , kind, name] = node.$ref.split('/') as [string, string, 'schemas' | 'parameters', string];
    return deref(spec.components[kind][name]);
  };

  /** Fields of `value` the schema does not name (`a.b[].c`). */
  function unknownFields(value: unknown, schemaIn: Json | undefined, at: string): string[] {
    const schema = deref(schemaIn);
    if (!schema || value === null || typeof value !== 'object') return [];
    if (Array.isArray(value)) return value.flatMap((v) => unknownFields(v, schema.items as Json, `${at}[]`));
    const props = schema.properties as Record<string, Json> | undefined;
    const extra = schema.additionalProperties as Json | undefined;
    return Object.entries(value as Json).flatMap(([k, v]) => {
      const sub = props?.[k] ?? (extra && typeof extra === 'object' ? extra : undefined);
      if (!sub) return [`${at}.${k}`];
      return unknownFields(v, sub, `${at}.${k}`);
    });
  }

  /** The operation a captured request is for, with its template. */
  function operationOf(method: string, path: string): { template: string; op: Operation; params: Json[] } | undefined {
    const rel = path.slice(PREFIX.length);
    for (const [template, item] of Object.entries(spec.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      const op = item[method.toLowerCase()] as Operation | undefined;
      if (re.test(rel) && op) return { template, op, params: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(p)!) };
    }
    return undefined;
  }

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(sharedFile(SPEC), 'utf8')) as typeof spec;
    const definition = JSON.parse(readFileSync(sharedFile(SPEC), 'utf8')) as Document;
    delete definition.servers; // requests are matched by their path under the prefix
    api = new OpenAPIBackend({ definition, quick: true, validate: true, ajvOpts: { strict: false, coerceTypes: true } });
    await api.init();
    emulator = await startGoogleCalendarEmulator();
    proxy = await startRecordingProxy(new URL(emulator.url).origin);
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
  });

  it('every call of both connectors, and every answer of the emulator, is in the description', async () => {
    const connect = (id: string) => ({ id: `conn_${id}`, tenantId: 't', provider: id, mode: 'sandbox', baseUrl: `${proxy.url}${PREFIX}`, credentials: emulator.credentials, tokens: emulator.tokens }) as ResolvedConnection;
    const ctx = (id: string, manifest: unknown) => ({ connection: connect(id), http: new Transport().forConnection(manifest as never, connect(id)), clock: systemClock, logger: createLogger('silent') }) as never;
    const cal = googleCalendar.calendar!(ctx('google-calendar', googleCalendarManifest));
    const meet = googleMeet.meetings!(ctx('google-meet', googleMeetManifest));

    await cal.listCalendars();
    const other = await cal.createCalendar!({ name: 'Spec', description: 'for the spec suite', timeZone: 'Europe/Berlin' });
    const e = await cal.createEvent('primary', { summary: 'Spec', description: 'd', location: 'l', start: '2027-06-01T09:00:00+02:00', end: '2027-06-01T10:00:00+02:00', timeZone: 'Europe/Berlin', attendees: [{ email: 'ada@example.com', name: 'Ada', optional: true }, { email: emulator.account.email }], reminders: [{ method: 'email', minutes: 30 }], sendUpdates: 'all' });
    const day = await cal.createEvent('primary', { summary: 'Day', start: '2027-06-02', end: '2027-06-03', recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    await cal.getEvent('primary', e.eventId);
    await cal.updateEvent('primary', e.eventId, { summary: 'Spec 2', start: '2027-06-01T11:00:00+02:00', end: '2027-06-01T12:00:00+02:00', reminders: [] });
    await cal.updateEvent('primary', day.eventId, { start: '2027-06-02T09:00:00Z', end: '2027-06-02T10:00:00Z', timeZone: 'UTC' });
    await cal.listEvents('primary', { timeMin: '2027-06-01T00:00:00Z', timeMax: '2027-07-01T00:00:00Z', maxResults: 1, singleEvents: true, q: 'Spec' });
    await cal.instances('primary', day.eventId, { timeMin: '2027-06-01T00:00:00Z', timeMax: '2027-07-01T00:00:00Z' });
    await cal.respond!('primary', e.eventId, 'accepted', 'see you');
    await cal.moveEvent!('primary', e.eventId, other.calendarId);
    await cal.share!(other.calendarId, { email: 'bob@example.com', role: 'writer' });
    const rules = await cal.listAcl!(other.calendarId);
    await cal.unshare!(other.calendarId, rules.find((r) => r.email === 'bob@example.com')!.ruleId);
    await cal.freeBusy!({ calendarIds: ['primary', other.calendarId], timeMin: '2027-06-01T00:00:00Z', timeMax: '2027-06-08T00:00:00Z' });
    const { cursor } = await cal.sync('primary', null);
    await cal.deleteEvent('primary', day.eventId, { sendUpdates: 'none' });
    await cal.sync('primary', cursor);
    const channel = await cal.watch!('primary', { address: 'https://hub.example.com/webhooks/google-calendar/conn_1', token: 'pt1.a.b', expiresAt: '2027-06-02T00:00:00Z' });
    await cal.stopWatch!(channel);

    const m = await meet.create({ topic: 'Spec meet', kind: 'recurring', startTime: '2027-06-03T09:00:00Z', duration: 30, timezone: 'UTC', agenda: 'a', recurrence: { frequency: 'weekly', weekdays: [2], endDateTime: '2027-08-01T00:00:00Z' }, settings: { waitingRoom: true } });
    await meet.get(m.meetingId);
    await meet.update(m.meetingId, { startTime: '2027-06-03T10:00:00Z', settings: { muteUponEntry: true } });
    await meet.list({ pageSize: 5, type: 'upcoming' });
    await meet.delete(m.meetingId);

    // The field check itself can fail: a made-up field, top level and nested, is named.
    expect(unknownFields({ summary: 's', bogus: 1, start: { dateTime: 'x', zone: 'y' } }, { $ref: '#/components/schemas/Event' }, 'e')).toEqual(['e.bogus', 'e.start.zone']);
    const calls = proxy.exchanges;
    expect(calls.length).toBeGreaterThan(25);
    const problems: string[] = [];
    for (const x of calls) {
      const found = operationOf(x.method, x.path);
      if (!found) {
        problems.push(`${x.method} ${x.path}: no operation`);
        continue;
      }
      const declared = new Set(found.params.filter((p) => p.in === 'query').map((p) => p.name as string));
      for (const name of new URLSearchParams(x.query).keys()) if (!declared.has(name)) problems.push(`${x.method} ${found.template}: query ${name} not declared`);
      const body = x.body === '' ? undefined : (JSON.parse(x.body) as Json);
      const requestSchema = found.op.requestBody?.content?.['application/json']?.schema;
      if (body !== undefined) problems.push(...unknownFields(body, requestSchema, `${x.method} ${found.template} body`));
      const ok = found.op.responses[String(x.status)] ?? found.op.responses['200'];
      if (x.status < 300 && x.answer !== undefined) problems.push(...unknownFields(x.answer, ok?.content?.['application/json']?.schema, `${x.method} ${found.template} answer`));
      if (x.status >= 300) problems.push(`${x.method} ${found.template}: answered ${x.status}`);
    }
    // Google's PATCH clears a field sent as null (`date: null` when an all-day event becomes timed);
    // the description types such fields as plain strings, so nulls are left out of its validation.
    const withoutNulls = (v: unknown): unknown => (Array.isArray(v) ? v.map(withoutNulls) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)])) : v);
    problems.push(
      ...requestProblems(
        api,
        calls.map((x) => ({ req: { method: x.method, path: decodeURIComponent(x.path.slice(PREFIX.length)), query: Object.fromEntries(new URLSearchParams(x.query)), headers: { 'content-type': 'application/json' }, body: x.body === '' ? undefined : withoutNulls(JSON.parse(x.body)) }, label: x.body.slice(0, 120) })),
      ),
    );
    expect(problems).toEqual([]);
  });
});
