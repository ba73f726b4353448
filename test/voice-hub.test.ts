/**
 * Voice end to end on a sandbox hub with Twilio's emulator: click-to-call over REST, the call's
 * signed status callbacks becoming `call.*` events that never go backwards (a late `ringing`
 * signed by the `twilio` library changes nothing), a recording's media streamed through the hub
 * byte for byte, IVR menus served as TwiML (parsed back by an XML parser: Python's ElementTree) to
 * requests signed with `twilio`'s getExpectedTwilioSignature, and refused unsigned or tampered;
 * validation, scopes and lookup.
 */
import { execFileSync } from 'node:child_process';
import twilioLib from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../src/categories/registry.js';
import { ProviderCatalog } from '../src/kit/catalog.js';
import type { TwilioEmulator } from '../src/providers/twilio/emulator/index.js';
import { twilio } from '../src/providers/twilio/index.js';
import { PROVIDERS } from '../src/providers/registry.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlNode[];
}

/** Parse XML documents with Python's ElementTree (one process for all of them): an independent, strict parser. */
function parseXml(docs: string[]): XmlNode[] {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def node(e): return {"tag": e.tag, "attrs": dict(e.attrib), "text": (e.text or "").strip(), "children": [node(c) for c in e]}
print(json.dumps([node(ET.fromstring(d.encode("utf-8"))) for d in json.load(sys.stdin)]))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(docs) }).toString('utf8')) as XmlNode[];
}

const AGENT = '+14155550100';
const CUSTOMER = '+14155550111';
const catalog = PROVIDERS.some((p) => p.manifest.id === 'twilio') ? undefined : new ProviderCatalog([...PROVIDERS, twilio]);

describe('voice on a sandbox hub (Twilio emulator)', () => {
  let t: TestHub;
  let emu: TwilioEmulator;
  let callSid: string;

  const events = async (type: string) => ((await t.api(`/api/v1/events?type=${type}&limit=100`)).body.data ?? []) as { type: string; data: Record<string, unknown> }[];
  const ofCall = (list: { type: string; data: Record<string, unknown> }[]) => list.filter((e) => e.data.callSid === callSid).map((e) => e.type);

  beforeAll(async () => {
    t = await startTestHub({ VOICE_PROVIDERS: 'twilio', EMAIL_PROVIDERS: 'smtp', PAYMENT_PROVIDERS: 'stripe' }, { categories: CATEGORIES, ...(catalog ? { catalog } : {}) });
    emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('click-to-call: calls the agent from the account number, bridges to the customer, and its callbacks become events', async () => {
    const res = await t.api('/api/v1/voice/calls', { body: { agent: AGENT, customer: CUSTOMER, record: true } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'twilio', to: AGENT, from: emu.credentials.phoneNumber, status: 'initiated', hubCallId: expect.stringMatching(/^call_/) });
    callSid = res.body.sid;
    await emu.settled(callSid);
    const legs = (await t.api(`/api/v1/voice/calls?to=${encodeURIComponent(CUSTOMER)}`)).body.data;
    expect(legs).toContainEqual(expect.objectContaining({ parentCallSid: callSid, from: emu.credentials.phoneNumber, status: 'answered' }));
    await expect.poll(async () => ofCall(await events('call.*')), { timeout: 5000 }).toContain('call.answered');

    const rec = await t.api(`/api/v1/voice/calls/${callSid}/recordings`, { method: 'POST', body: {} });
    expect(rec.status).toBe(201);
    const ended = await t.api(`/api/v1/voice/calls/${callSid}/end`, { method: 'POST', body: {} });
    expect(ended.body).toMatchObject({ status: 'completed', providerStatus: 'completed', durationSec: expect.any(Number), price: expect.stringMatching(/^-0\.\d+$/) });
    await expect.poll(async () => ofCall(await events('call.*')).filter((e) => e === 'call.completed' || e === 'call.recording.completed').sort(), { timeout: 5000 }).toEqual(['call.completed', 'call.recording.completed', 'call.recording.completed']);
    const types = ofCall(await events('call.*')).filter((e) => !e.startsWith('call.recording'));
    // Each status once; callbacks processed out of order may drop an earlier one, never add a backward one.
    expect(new Set(types).size).toBe(types.length);
    expect(types.every((e) => ['call.initiated', 'call.ringing', 'call.answered', 'call.completed'].includes(e))).toBe(true);
  });

  it('a late ringing after completed, signed by twilio, is accepted and changes nothing', async () => {
    const url = `${t.url}/webhooks/twilio`;
    const params = { AccountSid: emu.credentials.accountSid, CallSid: callSid, CallStatus: 'ringing', From: emu.credentials.phoneNumber, To: AGENT, Direction: 'outbound-api', ApiVersion: '2010-04-01', Timestamp: new Date().toUTCString() };
    const before = ofCall(await events('call.*'));
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(emu.credentials.authToken, url, params) }, body: new URLSearchParams(params) });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await t.hub.store.db.selectFrom('webhook_inbox').select('status').where('provider', '=', 'twilio').execute()).map((r) => r.status).filter((st) => st !== 'processed'), { timeout: 5000 }).toEqual([]);
    expect(ofCall(await events('call.*'))).toEqual(before);
    const row = await t.hub.store.db.selectFrom('voice_calls').select('status').where('call_sid', '=', callSid).executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');

    // A call the hub hears of first as completed: its later ringing records no event (no dedupe at play).
    const other = `CA${'f'.repeat(32)}`;
    const signed = (p: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(emu.credentials.authToken, url, p) }, body: new URLSearchParams(p) });
    expect((await signed({ ...params, CallSid: other, CallStatus: 'completed', CallDuration: '12' })).status).toBe(200);
    await expect.poll(async () => (await events('call.*')).filter((e) => e.data.callSid === other).map((e) => e.type), { timeout: 5000 }).toEqual(['call.completed']);
    expect((await signed({ ...params, CallSid: other, CallStatus: 'ringing' })).status).toBe(200);
    await expect.poll(async () => (await t.hub.store.db.selectFrom('webhook_inbox').select('status').where('provider', '=', 'twilio').execute()).map((r) => r.status).filter((st) => st !== 'processed'), { timeout: 5000 }).toEqual([]);
    expect((await events('call.*')).filter((e) => e.data.callSid === other).map((e) => e.type)).toEqual(['call.completed']);
    expect((await t.hub.store.db.selectFrom('voice_calls').select('status').where('call_sid', '=', other).executeTakeFirstOrThrow()).status).toBe('completed');

    const forged = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature('not-the-token', url, params) }, body: new URLSearchParams(params) });
    expect(forged.status).toBe(401);
  });

  it('an agent who is busy: the call ends failed, with Twilio\'s word in the event', async () => {
    emu.setCallOutcome('+14155550133', 'busy');
    const res = await t.api('/api/v1/voice/calls', { body: { agent: '+14155550133', customer: CUSTOMER, callerId: emu.credentials.phoneNumber } });
    expect(res.status).toBe(201);
    const sid = res.body.sid as string;
    await emu.settled(sid);
    await expect.poll(async () => (await events('call.failed')).filter((e) => e.data.callSid === sid).map((e) => e.data.providerStatus), { timeout: 5000 }).toEqual(['busy']);
    expect((await t.api(`/api/v1/voice/calls/${sid}`)).body).toMatchObject({ status: 'failed', providerStatus: 'busy', durationSec: 0 });
    expect((await t.api('/api/v1/voice/calls', { body: { agent: AGENT, customer: CUSTOMER, callerId: '+15005550007' } })).body).toMatchObject({ status: 422, code: 'call_refused' });
  });

  it('the call log and one call: status, direction, duration, price', async () => {
    const log = await t.api(`/api/v1/voice/calls?to=${encodeURIComponent(AGENT)}&status=completed`);
    expect(log.status).toBe(200);
    expect(log.body.data.map((c: { sid: string }) => c.sid)).toEqual([callSid]);
    const one = await t.api(`/api/v1/voice/calls/${callSid}`);
    expect(one.body).toMatchObject({ sid: callSid, status: 'completed', direction: 'outbound-api', durationSec: expect.any(Number), priceUnit: 'USD' });
    const bad = await t.api('/api/v1/voice/calls/CA123');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'sid', message: 'must be a call sid: CA followed by 32 hex digits' }]);
  });

  it('streams a recording\'s media through the hub byte for byte, then deletes it', async () => {
    const list = await t.api(`/api/v1/voice/calls/${callSid}/recordings`);
    expect(list.body.data).toHaveLength(2);
    const sid = list.body.data[0].sid as string;
    const res = await fetch(`${t.url}/api/v1/voice/recordings/${sid}/media`, { headers: { authorization: `Bearer ${t.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/x-wav');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(emu.recordingMedia(sid, 'wav'))).toBe(true);
    const mp3 = Buffer.from(await (await fetch(`${t.url}/api/v1/voice/recordings/${sid}/media?format=mp3`, { headers: { authorization: `Bearer ${t.key}` } })).arrayBuffer());
    expect(mp3.equals(emu.recordingMedia(sid, 'mp3'))).toBe(true);
    expect((await t.api(`/api/v1/voice/recordings/${sid}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/v1/voice/recordings/${sid}`)).status).toBe(404);
  });

  it('serves an IVR menu as TwiML to Twilio-signed requests and refuses unsigned or tampered ones', async () => {
    const menu = { prompt: 'Press 1 for sales, 2 for support.', options: { '1': { say: 'Connecting you.', dial: '+14155550199' }, '2': { menu: 'support' }, '9': { hangup: true } }, invalid: 'No such option.', timeout: 7 };
    expect((await t.api('/api/v1/voice/ivr/main', { method: 'PUT', body: menu })).status).toBe(200);
    expect((await t.api('/api/v1/voice/ivr/main')).body).toMatchObject({ id: 'main', ...menu });
    const url = `${t.url}/voice/ivr/main`;
    const token = emu.credentials.authToken;
    const get = await fetch(url, { headers: { 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(token, url, {}) } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/xml/);
    const post = (params: Record<string, string>, signature?: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) }, body: new URLSearchParams(params) });
    const digits = { CallSid: callSid, AccountSid: emu.credentials.accountSid, From: CUSTOMER, To: emu.credentials.phoneNumber, Digits: '1' };
    const chosen = await post(digits, twilioLib.getExpectedTwilioSignature(token, url, digits));
    expect(chosen.status).toBe(200);
    const wrong = await post({ ...digits, Digits: '5' }, twilioLib.getExpectedTwilioSignature(token, url, { ...digits, Digits: '5' }));
    const [top, dial, invalid] = parseXml([await get.text(), await chosen.text(), await wrong.text()]);
    expect(top).toMatchObject({ tag: 'Response', children: [{ tag: 'Gather', attrs: { numDigits: '1', action: url, method: 'POST', timeout: '7' }, children: [{ tag: 'Say', text: menu.prompt }] }, { tag: 'Redirect', text: url }] });
    expect(dial).toMatchObject({ tag: 'Response', children: [{ tag: 'Say', text: 'Connecting you.' }, { tag: 'Dial', children: [{ tag: 'Number', text: '+14155550199' }] }] });
    expect(invalid).toMatchObject({ tag: 'Response', children: [{ tag: 'Say', text: 'No such option.' }, { tag: 'Redirect', text: url }] });

    expect((await post(digits)).status).toBe(401);
    expect((await post({ ...digits, Digits: '9' }, twilioLib.getExpectedTwilioSignature(token, url, digits))).status).toBe(401);
    expect((await fetch(`${url}?tenant=other`, { headers: { 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(token, url, {}) } })).status).toBe(401);
    const missing = await fetch(`${t.url}/voice/ivr/nope`, { headers: { 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(token, `${t.url}/voice/ivr/nope`, {}) } });
    expect(missing.status).toBe(404);
  });

  it('Twilio\'s emulator runs a hub menu: it fetches the TwiML signed, a key press redirects to another menu, then dials', async () => {
    expect((await t.api('/api/v1/voice/ivr/support', { method: 'PUT', body: { prompt: 'Support: press 1 to talk to us.', options: { '1': { dial: '+14155550188' } } } })).status).toBe(200);
    const auth = `Basic ${Buffer.from(`${emu.credentials.accountSid}:${emu.credentials.authToken}`).toString('base64')}`;
    const created = await fetch(`${emu.url}/2010-04-01/Accounts/${emu.credentials.accountSid}/Calls.json`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: CUSTOMER, From: emu.credentials.phoneNumber, Url: `${t.url}/voice/ivr/main` }),
    });
    const sid = ((await created.json()) as { sid: string }).sid;
    await emu.settled(sid);
    const fetched = emu.state.callbacks.log.filter((l) => l.url.startsWith(`${t.url}/voice/ivr/`));
    expect(fetched.map((l) => [l.url, l.status])).toEqual([[`${t.url}/voice/ivr/main`, 200]]);
    const support = await emu.pressDigits(sid, '2');
    expect(support).toContain('Support: press 1 to talk to us.');
    await emu.pressDigits(sid, '1');
    await emu.settled(sid);
    const legs = (await t.api(`/api/v1/voice/calls?to=${encodeURIComponent('+14155550188')}`)).body.data;
    expect(legs).toEqual([expect.objectContaining({ parentCallSid: sid, direction: 'outbound-dial', status: 'answered' })]);
    expect(emu.state.callbacks.log.filter((l) => l.url.startsWith(`${t.url}/voice/ivr/`)).map((l) => [l.url.slice(t.url.length), l.params.Digits, l.status])).toEqual([
      ['/voice/ivr/main', undefined, 200], ['/voice/ivr/main', '2', 200], ['/voice/ivr/support', undefined, 200], ['/voice/ivr/support', '1', 200],
    ]);
  });

  it('refuses a number not in E.164 with a 400 naming the field and suggesting its E.164 form', async () => {
    const res = await t.api('/api/v1/voice/calls', { body: { agent: '(415) 555-0100', customer: CUSTOMER } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ field: 'agent', message: expect.stringContaining('use E.164, e.g. +14155550100') }]);
    const menu = await t.api('/api/v1/voice/ivr/bad', { method: 'PUT', body: { prompt: 'x', options: { '12': { say: 'x' }, '3': { dial: '555' } } } });
    expect(menu.status).toBe(400);
    expect(menu.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['options.12', 'options.3.dial']);
  });

  it('looks a caller up, and keeps each route behind its scope', async () => {
    const found = await t.api(`/api/v1/voice/lookup/${encodeURIComponent('+14155552671')}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ valid: true, countryCode: 'US', callerName: expect.any(String), lineType: 'mobile' });
    expect((await t.api('/api/v1/voice/lookup/12345')).status).toBe(400);
    const spec = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/voice/calls', '/api/v1/voice/recordings/{sid}/media', '/api/v1/voice/ivr/{menuId}', '/voice/ivr/{menuId}']));
    // The same service for library users.
    expect(await t.hub.voice.lookup('default', '+14155552671')).toMatchObject({ provider: 'twilio', valid: true, lineType: 'mobile' });
    await expect(t.hub.voice.lookup('default', '415 555 2671')).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'phoneNumber', message: expect.stringContaining('+14155552671') }] });
    const reader = await t.hub.apiKeys.create({ name: 'voice-reader', scopes: ['voice:read'] });
    expect((await t.as(reader.key, '/api/v1/voice/calls', { agent: AGENT, customer: CUSTOMER })).status).toBe(403);
    expect((await t.as(reader.key, `/api/v1/voice/calls/${callSid}`)).status).toBe(200);
    expect((await t.as(reader.key, '/api/v1/voice/ivr/main', { prompt: 'x', options: { '1': { hangup: true } } }, 'PUT')).status).toBe(403);
  });
});
