/**
 * What the hub's Zoom connector sends the emulator, and what the emulator answers, checked against
 * Zoom's published description of the Meetings API (`../shared/specs/zoom/zoom.openapi.json`,
 * never copied in): each route exists with the HTTP method used, every query parameter sent is
 * declared, each JSON body validates against the operation's request schema (Ajv), each success
 * answer against its response schema, and each error answer is `{code, message}` under a status
 * the operation lists. Skipped loudly without `../shared`; fails under CI=true.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/logger.js';
import type { ResolvedConnection } from '../../../kit/connector.js';
import { Transport } from '../../../transport/transport.js';
import { zoom } from '../index.js';
import { startZoomEmulator, type ZoomEmulator } from './server.js';

const SPEC = 'specs/zoom/zoom.openapi.json';
const haveSpec = requireShared('Zoom emulator spec conformance', SPEC);

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

/** The emulator's route → the path Zoom's reference names it by (its parameter names differ). */
const SPEC_PATH: Record<string, string> = {
  '/meetings/{meetingId}/recordings/{fileId}': '/meetings/{meetingId}/recordings/{recordingId}',
  '/past_meetings/{meetingId}/participants': '/past_meetings/{meetingUUID}/participants',
};

/**
 * Where the description is wrong about Zoom: `recurrence.weekly_days` is declared an enum of one
 * day ("1" … "7"), but Zoom takes (and answers) several comma-separated ("2,4,6"), as the field's
 * own description says.
 */
const ERRATA = [{ instancePath: '/recurrence/weekly_days', keyword: 'enum' }];
const real = (errors: { instancePath: string; keyword: string }[] | null | undefined) => (errors ?? []).filter((e) => !ERRATA.some((x) => x.instancePath === e.instancePath && x.keyword === e.keyword));

function dropNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropNullable);
  if (node === null || typeof node !== 'object') return;
  delete (node as Json).nullable;
  for (const value of Object.values(node as Json)) dropNullable(value);
}

describe.skipIf(!haveSpec)('Zoom emulator against the published Meetings API description', () => {
  let spec: { paths: Record<string, Record<string, Operation>>; components?: Json };
  let emulator: ZoomEmulator;
  let ajv: Ajv;
  const op = (r: { route: string; method: string }) => spec.paths[SPEC_PATH[r.route] ?? r.route]?.[r.method.toLowerCase()];
  const compile = (schema: Json) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"spec#/components')) as object);

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(sharedFile(SPEC), 'utf8')) as typeof spec;
    dropNullable(spec);
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ components: spec.components ?? {} }, 'spec');
    emulator = await startZoomEmulator();
    const connection: ResolvedConnection = { id: 'conn_spec', tenantId: 't', provider: 'zoom', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials };
    const http = new Transport().forConnection({ ...zoom.manifest, retry: { maxAttempts: 1 } } as never, connection);
    const z = zoom.meetings!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
    // Every operation the connector makes, and the errors the category maps.
    const start = '2027-03-01T15:00:00Z';
    const m = await z.create({ topic: 'Spec', kind: 'scheduled', startTime: start, duration: 30, timezone: 'UTC', agenda: 'a', settings: { waitingRoom: true, autoRecording: 'cloud', joinBeforeHost: false, muteUponEntry: true, hostVideo: true, participantVideo: false } });
    await z.create({ topic: 'Spec instant', kind: 'instant' });
    await z.create({ topic: 'Spec weekly', kind: 'recurring', startTime: start, duration: 15, recurrence: { frequency: 'weekly', weekdays: [1, 5], endDateTime: '2027-06-01T00:00:00Z' } });
    await z.update(m.meetingId, { startTime: '2027-03-02T15:00:00Z', topic: 'Spec moved', settings: { waitingRoom: false } });
    await z.list({ pageSize: 1 });
    await emulator.startMeeting(m.meetingId);
    await emulator.join(m.meetingId, { name: 'Ada', email: 'ada@example.com' });
    await emulator.endMeeting(m.meetingId, { record: true });
    const recs = await z.listRecordings(m.meetingId);
    await z.listParticipants(m.meetingId, { pageSize: 10 });
    await z.deleteRecording(m.meetingId, recs.files[0]!.id);
    await z.deleteRecording(m.meetingId);
    const w = await z.createWebinar!({ topic: 'Spec webinar', startTime: start, duration: 60, registration: true });
    await z.addRegistrant!(w.webinarId, { email: 'lin@example.com', firstName: 'Lin', lastName: 'Chen' });
    await z.listRegistrants!(w.webinarId, {});
    await z.delete(m.meetingId);
    for (const failing of [() => z.get(m.meetingId), () => z.listRecordings('12345678901'), () => z.update('12345678901', { topic: 'x' })]) await failing().catch(() => undefined);
  });
  afterAll(() => emulator?.close());

  it('each route exists with the HTTP method the connector used', () => {
    expect(emulator.requests.length).toBeGreaterThanOrEqual(17);
    for (const r of emulator.requests) expect(op(r), `${r.method} ${r.route}`).toBeDefined();
  });

  it('every query parameter sent is declared, and each JSON body validates against the request schema', () => {
    const failures: unknown[] = [];
    for (const r of emulator.requests) {
      const o = op(r)!;
      const declared = new Set((o.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
      for (const name of Object.keys(r.query)) if (!declared.has(name)) failures.push({ route: r.route, undeclared: name });
      if (r.body === undefined || r.body === null) continue;
      const schema = o.requestBody?.content?.['application/json']?.schema;
      if (!schema) {
        failures.push({ route: r.route, body: 'sent a body the operation does not take' });
        continue;
      }
      const validate = compile(schema);
      if (!validate(r.body) && real(validate.errors).length > 0) failures.push({ route: `${r.method} ${r.route}`, body: r.body, errors: real(validate.errors) });
    }
    expect(failures).toEqual([]);
  });

  it('answers validate against the success schema; errors are {code, message} under a listed status', () => {
    const failures: unknown[] = [];
    const codes = new Set<number>();
    for (const r of emulator.requests) {
      const o = op(r)!;
      const listed = o.responses[String(r.status)];
      if (r.status >= 400) {
        codes.add(r.status);
        if (!listed) failures.push({ route: `${r.method} ${r.route}`, status: r.status, listed: Object.keys(o.responses) });
        const a = r.answer as Json;
        if (typeof a?.code !== 'number' || typeof a?.message !== 'string') failures.push({ route: r.route, answer: r.answer });
        continue;
      }
      if (!listed) {
        failures.push({ route: `${r.method} ${r.route}`, status: r.status, listed: Object.keys(o.responses) });
        continue;
      }
      const schema = listed.content?.['application/json']?.schema;
      if (r.status === 204) {
        if (r.answer !== undefined) failures.push({ route: r.route, answer: 'a 204 with a body' });
        continue;
      }
      if (!schema) continue;
      const validate = compile(schema);
      if (!validate(r.answer) && real(validate.errors).length > 0) failures.push({ route: `${r.method} ${r.route}`, answer: r.answer, errors: real(validate.errors) });
    }
    expect(codes.has(404)).toBe(true);
    expect(failures).toEqual([]);
  });
});
