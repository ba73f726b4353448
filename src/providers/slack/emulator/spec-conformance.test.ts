/**
 * What the hub's Slack connector sends the emulator, and what the emulator answers, checked against
 * Slack's published description of the Web API (`../shared/specs/slack/slack_web.openapi.json`,
 * never copied in): each method exists with the HTTP method used, every argument sent is one the
 * method declares (query parameters for GET, form fields for POST) and the required ones are there,
 * each answer validates against the method's success or error schema (Ajv), and every `error` the
 * emulator answers is one the method lists. Skipped loudly without `../shared`; fails under CI=true.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/logger.js';
import type { ChatProvider } from '../../../categories/chat/contract.js';
import type { ResolvedConnection } from '../../../kit/connector.js';
import { Transport } from '../../../transport/transport.js';
import { slack } from '../index.js';
import { startSlackEmulator, type SlackEmulator } from './server.js';

const SPEC = 'specs/slack/slack_web.openapi.json';
const haveSpec = requireShared('Slack emulator spec conformance', SPEC);

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Json; required?: string[] } }> };
  responses: Record<string, { content?: { 'application/json'?: { schema?: Json } } }>;
}

/**
 * Where the description is wrong about Slack: `chat.update` declares `message.blocks` an object,
 * but Slack answers the message's blocks as the array `chat.postMessage` (and Block Kit) uses.
 */
const ERRATA = [{ method: 'chat.update', instancePath: '/message/blocks' }];

/** In place: drop `nullable` (Ajv refuses it beside no `type`; the emulator answers no nulls, so nothing is lost). */
function dropNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropNullable);
  if (node === null || typeof node !== 'object') return;
  delete (node as Json).nullable;
  for (const value of Object.values(node as Json)) dropNullable(value);
}

describe.skipIf(!haveSpec)('Slack emulator against the published Web API description', () => {
  let spec: { paths: Record<string, Record<string, Operation>>; components: Json };
  let emulator: SlackEmulator;
  let chat: ChatProvider;
  let ajv: Ajv;

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(sharedFile(SPEC), 'utf8')) as typeof spec;
    dropNullable(spec);
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ components: spec.components }, 'spec');
    emulator = await startSlackEmulator();
    const connection: ResolvedConnection = { id: 'conn_spec', tenantId: 't', provider: 'slack', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials };
    const http = new Transport().forConnection({ ...slack.manifest, retry: { maxAttempts: 1 } } as never, connection);
    chat = slack.chat!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
    // Every operation the connector makes, and the errors the category maps.
    const w = chat.workspace!;
    const sent = await chat.send({ channel: 'C0GENERAL', text: 'spec', blocks: [{ type: 'divider' }] });
    await chat.send({ channel: 'C0GENERAL', text: 'reply', threadTs: sent.ts! });
    await w.update({ channel: 'C0GENERAL', ts: sent.ts!, text: 'spec v2' });
    await w.delete({ channel: 'C0GENERAL', ts: sent.ts! });
    const created = await w.createChannel({ name: 'spec-channel', isPrivate: false });
    await w.listChannels({ limit: 1 });
    await w.invite({ channel: created.id, users: ['U0ADA'] });
    await w.lookupUserByEmail('ada@sandbox.example.com');
    for (const failing of [
      () => chat.send({ channel: 'C0NOPE', text: 'x' }),
      () => chat.send({ channel: 'C0RANDOM', text: 'x' }),
      () => w.delete({ channel: 'C0GENERAL', ts: '1.000000' }),
      () => w.createChannel({ name: 'spec-channel' }),
      () => w.lookupUserByEmail('nobody@example.com'),
    ]) await failing().catch(() => undefined);
  });
  afterAll(() => emulator?.close());

  it('each method exists with the HTTP method the connector used', () => {
    expect(emulator.requests.length).toBeGreaterThanOrEqual(13);
    for (const r of emulator.requests) {
      const op = spec.paths[`/${r.method}`];
      expect(op, r.method).toBeDefined();
      expect(Object.keys(op!), r.method).toContain(r.httpMethod.toLowerCase());
    }
  });

  it('every argument sent is declared, and the required ones are present', () => {
    for (const r of emulator.requests) {
      const op = spec.paths[`/${r.method}`]![r.httpMethod.toLowerCase()]!;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.name !== 'token');
      const form = op.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
      const declared = new Set([...query.map((p) => p.name), ...Object.keys(form?.properties ?? {})]);
      for (const arg of Object.keys(r.args)) expect(declared.has(arg), `${r.method}: ${arg} is not declared`).toBe(true);
      const required = [...query.filter((p) => p.required).map((p) => p.name), ...(form?.required ?? [])];
      for (const arg of required) expect(r.args, `${r.method} lacks ${arg}`).toHaveProperty(arg);
      if (r.httpMethod === 'POST') expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    }
  });

  it('answers validate against the success or error schema, errors among those listed', () => {
    const failures: unknown[] = [];
    for (const r of emulator.requests) {
      const op = spec.paths[`/${r.method}`]![r.httpMethod.toLowerCase()]!;
      const which = r.answer.ok === true ? '200' : 'default';
      const schema = op.responses[which]?.content?.['application/json']?.schema;
      expect(schema, `${r.method} ${which}`).toBeDefined();
      const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"spec#/components')) as object);
      const errors = validate(r.answer) ? [] : (validate.errors ?? []).filter((e) => !ERRATA.some((x) => x.method === r.method && x.instancePath === e.instancePath));
      if (errors.length > 0) failures.push({ method: r.method, answer: r.answer, errors });
    }
    expect(failures).toEqual([]);
  });
});
