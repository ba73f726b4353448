/**
 * What the official `twilio` client sends the emulator's voice routes, and what they answer,
 * checked against Twilio's published OpenAPI description of the 2010-04-01 API
 * (`../shared/specs/twilio/twilio_api_v2010.json`, never copied in) with `openapi-backend`: a
 * recording proxy between client and emulator keeps every exchange of a scenario covering calls
 * and recordings. Error answers have no schema in the description: they are checked for Twilio's
 * `{ code, message, more_info, status }`. Lookup v2 has no description among the specs, and
 * `twilio_voice_v1.json` describes Voice v1 (BYOC trunks, dialing permissions), which the hub
 * does not use: neither is checked here.
 */
import { readFileSync } from 'node:fs';
import type { Document, OpenAPIBackend } from 'openapi-backend';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiValidators, requestProblems, type AjvLike } from '../../../../test/helpers/openapi-requests.js';
import { startRecordingProxy, type RecordingProxy } from '../../../../test/helpers/recording-proxy.js';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { parseTwilioForm } from '../webhooks.js';
import { startTwilioEmulator, type TwilioEmulator } from './index.js';

const SPEC = 'specs/twilio/twilio_api_v2010.json';
const haveSpec = requireShared('Twilio voice emulator spec conformance', SPEC);

/** The client's own HTTP client, sent to the recording proxy instead of Twilio's hosts. */
class ProxyClient extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super();
  }
  override request<T>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    return super.request<T>({ ...opts, uri: opts.uri.replace(/^https:\/\/api\.twilio\.com/, this.origin) } as never);
  }
}

/** Form or query values as the description types them: a name the schema declares an array is one, repeated or not. */
function formOf(text: string, arrays: Set<string>): Record<string, string | string[]> {
  const form = parseTwilioForm(text);
  for (const [k, v] of Object.entries(form)) if (arrays.has(k) && !Array.isArray(v)) form[k] = [v];
  return form;
}

/** The names an operation's form body or query declares as arrays. */
function arrayNames(operation: { requestBody?: unknown; parameters?: unknown[] } | undefined): Set<string> {
  const names = new Set<string>();
  const body = (operation?.requestBody as { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> } | undefined)?.content?.['application/x-www-form-urlencoded']?.schema?.properties ?? {};
  for (const [k, v] of Object.entries(body)) if (v.type === 'array') names.add(k);
  for (const p of (operation?.parameters ?? []) as { name: string; schema?: { type?: string } }[]) if (p.schema?.type === 'array') names.add(p.name);
  return names;
}

describe.skipIf(!haveSpec)('Twilio emulator (voice) against the published OpenAPI description', () => {
  let api: OpenAPIBackend;
  let ajv: AjvLike;
  let emu: TwilioEmulator;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    const definition = JSON.parse(readFileSync(sharedFile(SPEC), 'utf8')) as Document;
    ({ api, ajv } = await openApiValidators(definition, 'twilio', { method: 'GET', path: '/2010-04-01/Accounts/AC00000000000000000000000000000000/Calls.json', headers: {}, query: {} }, { validateFormats: false }));

    emu = await startTwilioEmulator({ eventDelayMs: 0 });
    proxy = await startRecordingProxy(emu.url);
    const client = twilio(emu.credentials.accountSid, emu.credentials.authToken, { httpClient: new ProxyClient(proxy.url) });
    await scenario(client, emu);
  });
  afterAll(async () => {
    await proxy?.close();
    await emu?.close();
  });

  it('every request matches an operation of the description and validates', () => {
    expect(proxy.exchanges.length).toBeGreaterThan(12);
    const requests = proxy.exchanges.map((x) => {
      const arrays = arrayNames(api.matchOperation({ method: x.method, path: x.path, headers: {} }));
      const req = { method: x.method, path: x.path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: formOf(x.query, arrays), body: x.method === 'GET' || x.method === 'DELETE' ? undefined : formOf(x.body, arrays) };
      return { req, label: x.body || x.query };
    });
    expect(requestProblems(api, requests)).toEqual([]);
  });

  it('every answer validates against the response schema for its status; errors have Twilio\'s shape', () => {
    const problems: string[] = [];
    const operations = new Set<string>();
    for (const x of proxy.exchanges) {
      const operation = api.matchOperation({ method: x.method, path: x.path, headers: {} })!;
      operations.add(operation.operationId!);
      if (x.status >= 400) {
        const e = x.answer as Record<string, unknown>;
        if (typeof e?.code !== 'number' || typeof e.message !== 'string' || typeof e.more_info !== 'string' || e.status !== x.status) problems.push(`${operation.operationId} ${x.status}: ${JSON.stringify(e)}`);
        continue;
      }
      if (!operation.responses?.[String(x.status)]) {
        problems.push(`${operation.operationId}: ${x.status} is not a documented status`);
        continue;
      }
      if (x.status === 204) continue;
      const pointer = `twilio#/paths/${operation.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${x.method.toLowerCase()}/responses/${x.status}/content/application~1json/schema`;
      const validate = ajv.compile({ $ref: pointer });
      if (!validate(x.answer)) problems.push(`${operation.operationId} ${x.status}: ${JSON.stringify(validate.errors).slice(0, 600)}`);
    }
    expect(problems).toEqual([]);
    expect([...operations].sort()).toEqual(['CreateCall', 'CreateCallRecording', 'DeleteRecording', 'FetchCall', 'FetchRecording', 'ListCall', 'ListCallRecording', 'ListRecording', 'UpdateCall'].sort());
  });
});

/** The voice operations, as the connector calls them (successes and Twilio's errors). */
async function scenario(client: twilio.Twilio, emu: TwilioEmulator): Promise<void> {
  const ignore = (p: Promise<unknown>) => p.catch(() => undefined);
  const from = emu.credentials.phoneNumber;
  const bridged = await client.calls.create({ to: '+14155550100', from, twiml: '<Response><Dial callerId="+15005550006"><Number>+14155550111</Number></Dial></Response>', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], record: true, timeout: 20 });
  const viaUrl = await client.calls.create({ to: '+14155550101', from, url: 'http://127.0.0.1:9/twiml', method: 'POST' });
  await emu.settled(bridged.sid);
  await client.calls(bridged.sid).fetch();
  await client.calls.list({ to: '+14155550100', pageSize: 5 });
  await client.calls.list({ status: 'in-progress', startTimeAfter: new Date(Date.now() - 60_000), startTimeBefore: new Date(Date.now() + 60_000) });
  const page = await client.calls.page({ pageSize: 1, from });
  await page.nextPage();
  const rec = await client.calls(bridged.sid).recordings.create({ recordingStatusCallbackEvent: ['completed'] });
  await client.calls(bridged.sid).recordings.list();
  await client.calls(bridged.sid).update({ status: 'completed' });
  await client.calls(viaUrl.sid).update({ status: 'canceled' });
  await client.recordings(rec.sid).fetch();
  await client.recordings.list({ callSid: bridged.sid });
  await client.recordings(rec.sid).remove();
  await ignore(client.recordings(rec.sid).fetch());
  await ignore(client.calls.create({ to: '+14155550100', from: '+15005550007', url: 'https://example.com/twiml' }));
  await ignore(client.calls.create({ to: '12', from, url: 'https://example.com/twiml' }));
  await ignore(client.calls('CA00000000000000000000000000000000').fetch());
}
