/**
 * What the Twilio emulator accepts and answers for messaging and Verify, checked against Twilio's
 * published OpenAPI descriptions (`../shared/specs/twilio/twilio_api_v2010.json`,
 * `twilio_verify_v2.json`, never copied in): every request it accepted (sent by the official
 * `twilio` client and by the hub's connector) fits the operation's form schema (names, types,
 * patterns, required `To`), and every answer fits the response schema and has exactly the
 * properties Twilio declares. Skips loudly without `../shared`; fails under CI=true.
 *
 * What the check needs: form values are strings, so requests are validated with type coercion
 * (`Attempt` is an integer, `MediaUrl` an array); Twilio's `date-time-rfc-2822` format is defined
 * here; `$ref`s to the specs' components stay references.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { toTwilioForm } from '../sms.js';
import { startTwilioEmulator, type TwilioEmulator } from './index.js';

const API = 'specs/twilio/twilio_api_v2010.json';
const VERIFY = 'specs/twilio/twilio_verify_v2.json';
const haveSpecs = requireShared('Twilio emulator messaging spec conformance', API, VERIFY);

interface Spec {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** `/2010-04-01/Accounts/:AccountSid/Messages.json` → `/2010-04-01/Accounts/{AccountSid}/Messages.json`. */
const toTemplate = (route: string) => route.replace(/:([A-Za-z]+)/g, '{$1}');

const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;

/** In place: `nullable` beside no `type` (Verify's `lookup`, `sna`) is dropped; such a schema allows null already. */
function nullableForAjv(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableForAjv);
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const value of Object.values(obj)) nullableForAjv(value);
  if (obj.nullable === true && obj.type === undefined) delete obj.nullable;
}

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false, logger: false, validateSchema: false });
  ajv.addFormat('date-time-rfc-2822', RFC_2822);
  ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v));
  // Twilio's own answers put paths in its `uri` fields (`"uri": "/2010-04-01/Accounts/AC…/Messages.json"`).
  ajv.addFormat('uri', /^([a-z][a-z0-9+.-]*:\/\/\S+|\/\S*)$/i);
  // Twilio's phone-number: E.164, with a channel prefix (whatsapp:) where the channel has one, or a sender id.
  ajv.addFormat('phone-number', /^((whatsapp|messenger):)?(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$/);
  return ajv;
}

describe.skipIf(!haveSpecs)('Twilio emulator (messaging, Verify) against the published OpenAPI descriptions', () => {
  let emu: TwilioEmulator;
  const specs: Record<string, Spec> = {};
  const requestAjv = makeAjv(true);
  const answerAjv = makeAjv(false);

  beforeAll(async () => {
    specs.api = JSON.parse(readFileSync(sharedFile(API), 'utf8')) as Spec;
    specs.verify = JSON.parse(readFileSync(sharedFile(VERIFY), 'utf8')) as Spec;
    for (const [key, spec] of Object.entries(specs)) {
      nullableForAjv(spec);
      requestAjv.addSchema({ components: spec.components }, key);
      answerAjv.addSchema({ components: spec.components }, key);
    }
    emu = await startTwilioEmulator({ eventDelayMs: 1 });
    emu.setStatusCallbacks(false);
    const client = twilio(emu.credentials.accountSid, emu.credentials.authToken, { autoRetry: false });
    client.api.baseUrl = emu.url;
    client.verify.baseUrl = emu.url;
    const from = emu.credentials.phoneNumber;
    // The client's spelling of the main operations.
    const m = await client.messages.create({ to: '+14155552671', from, body: 'plain', statusCallback: 'http://127.0.0.1:9/status', attempt: 1, validityPeriod: 600 });
    await client.messages.create({ to: '+14155552671', from, mediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'] });
    await client.messages.create({ to: 'whatsapp:+14155552671', from: `whatsapp:${emu.credentials.whatsappNumber}`, contentSid: `HX${'a'.repeat(32)}`, contentVariables: JSON.stringify({ 1: 'x' }) });
    await client.messages(m.sid).fetch();
    await client.messages.list({ to: '+14155552671', limit: 5 });
    const service = `VA${'e'.repeat(32)}`;
    await client.verify.v2.services(service).verifications.create({ to: '+14155552671', channel: 'sms' });
    await client.verify.v2.services(service).verificationChecks.create({ to: '+14155552671', code: emu.verificationCode('+14155552671')! });
    // The hub connector's spelling (what it posts in production).
    const auth = `Basic ${Buffer.from(`${emu.credentials.accountSid}:${emu.credentials.authToken}`).toString('base64')}`;
    const forms = [
      toTwilioForm({ id: 'a', channel: 'sms', to: '+14155552672', body: 'hub', statusCallback: 'http://127.0.0.1:9/cb', mediaUrls: ['https://example.com/c.png'] }, emu.credentials),
      toTwilioForm({ id: 'b', channel: 'whatsapp', to: '+14155552672', body: 'hub wa' }, emu.credentials),
      toTwilioForm({ id: 'c', channel: 'whatsapp', to: '+14155552672', contentSid: `HX${'b'.repeat(32)}`, contentVariables: { 1: 'y' } }, emu.credentials),
    ];
    for (const body of forms) {
      const res = await fetch(`${emu.url}/2010-04-01/Accounts/${emu.credentials.accountSid}/Messages.json`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await emu?.close();
  });

  function operation(route: string, method: string) {
    const template = toTemplate(route);
    const key = Object.keys(specs).find((k) => specs[k]!.paths[template]);
    const op = key ? specs[key]!.paths[template]![method.toLowerCase()] : undefined;
    if (!key || !op) throw new Error(`${method} ${template} is not in the descriptions`);
    return { key, op };
  }

  /** A schema compiled with `$ref`s resolved against the spec's components. */
  function compile(ajv: Ajv, key: string, schema: object): ValidateFunction {
    const text = JSON.stringify(schema).replaceAll('"#/components/', `"${key}#/components/`);
    return ajv.compile(JSON.parse(text) as object);
  }

  it('every request the emulator accepted fits its operation', () => {
    const accepted = emu.state.requests.filter((r) => r.status < 300);
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    for (const r of accepted) {
      const { key, op } = operation(r.route, r.method);
      const schema = r.method === 'GET' ? undefined : op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
      if (!schema) continue;
      const params = Object.fromEntries(Object.entries(r.params));
      const validate = compile(requestAjv, key, { ...schema, additionalProperties: false });
      expect(validate(params), `${r.method} ${r.route} ${JSON.stringify(r.params)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("every answer fits the response schema and has exactly Twilio's properties", () => {
    const seen = new Set<string>();
    for (const r of emu.state.requests) {
      const { key, op } = operation(r.route, r.method);
      const response = op.responses[String(r.status)];
      if (r.status >= 400) {
        // Errors: Twilio's { code, message, more_info, status }.
        expect(Object.keys(JSON.parse(r.answer) as object).sort()).toEqual(['code', 'message', 'more_info', 'status']);
        continue;
      }
      expect(response, `${r.method} ${r.route} answered ${r.status}, which the description does not list`).toBeDefined();
      const schema = response!.content?.['application/json']?.schema as { $ref?: string; properties?: Record<string, unknown> } | undefined;
      if (!schema) continue;
      const answer = JSON.parse(r.answer) as Record<string, unknown>;
      const validate = compile(answerAjv, key, schema);
      expect(validate(answer), `${r.method} ${r.route}: ${JSON.stringify(validate.errors)}`).toBe(true);
      if (schema.$ref) {
        const declared = specs[key]!.components.schemas[schema.$ref.split('/').pop()!]!.properties!;
        expect(Object.keys(answer).sort(), `${r.method} ${r.route}`).toEqual(Object.keys(declared).sort());
      }
      seen.add(`${r.method} ${r.route}`);
    }
    expect([...seen].sort()).toEqual(
      [
        'GET /2010-04-01/Accounts/:AccountSid/Messages.json',
        'GET /2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
        'POST /2010-04-01/Accounts/:AccountSid/Messages.json',
        'POST /v2/Services/:ServiceSid/VerificationCheck',
        'POST /v2/Services/:ServiceSid/Verifications',
      ].sort(),
    );
  });
});
