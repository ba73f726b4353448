/**
 * The official `twilio` REST client drives the emulator's voice API (calls.create / list with
 * paging / fetch / update, recordings, Lookup v2), and the emulator's call status and recording
 * callbacks are judged by `twilio.validateRequest` on a local receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator } from './emulator/index.js';

/** The twilio library's own HTTP client, with Twilio's hosts swapped for the emulator's origin. */
class EmulatorClient extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super();
  }
  override request<T>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    return super.request<T>({ ...opts, uri: opts.uri.replace(/^https:\/\/(api|lookups)\.twilio\.com/, this.origin) } as never);
  }
}

interface Received {
  url: string;
  params: Record<string, string>;
  valid: boolean;
}

describe('Twilio emulator: voice, driven by the official client', () => {
  let emu: TwilioEmulator;
  let client: twilio.Twilio;
  let receiver: Server;
  let hookUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    emu = await startTwilioEmulator({ eventDelayMs: 0 });
    client = twilio(emu.credentials.accountSid, emu.credentials.authToken, { httpClient: new EmulatorClient(emu.url) });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const url = `${hookUrl.replace(/\/[^/]*$/, '')}${req.url}`;
        const params = Object.fromEntries(new URLSearchParams(body));
        received.push({ url, params, valid: twilio.validateRequest(emu.credentials.authToken, String(req.headers['x-twilio-signature']), url, params) });
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/status`;
  });
  afterAll(async () => {
    await emu?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('creates a call, walks it through its statuses with signed callbacks, and ends it with a duration and a price', async () => {
    const call = await client.calls.create({
      to: '+14155550100', from: emu.credentials.phoneNumber, twiml: '<Response><Dial callerId="+15005550006"><Number>+14155550111</Number></Dial></Response>',
      statusCallback: hookUrl, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], record: true, recordingStatusCallback: `${hookUrl}?kind=recording`,
    });
    expect(call).toMatchObject({ status: 'queued', direction: 'outbound-api', to: '+14155550100', from: emu.credentials.phoneNumber, accountSid: emu.credentials.accountSid });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    await emu.settled(call.sid);
    expect((await client.calls(call.sid).fetch()).status).toBe('in-progress');
    const ended = await client.calls(call.sid).update({ status: 'completed' });
    expect(ended.status).toBe('completed');
    expect(Number(ended.duration)).toBeGreaterThanOrEqual(1);
    expect(ended.price).toMatch(/^-0\.\d{5}$/);
    expect(ended.endTime).toBeInstanceOf(Date);
    await emu.drainWebhooks();
    const statuses = received.filter((r) => r.params.CallSid === call.sid && r.params.CallStatus).map((r) => r.params.CallStatus);
    expect(statuses).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(received.every((r) => r.valid)).toBe(true);
    const done = received.find((r) => r.params.CallStatus === 'completed')!;
    expect(done.params).toMatchObject({ CallDuration: ended.duration, Direction: 'outbound-api', To: '+14155550100', From: emu.credentials.phoneNumber, AccountSid: emu.credentials.accountSid });
    const recording = received.find((r) => r.params.RecordingStatus === 'completed');
    expect(recording).toMatchObject({ url: `${hookUrl}?kind=recording`, valid: true, params: { CallSid: call.sid, RecordingSid: expect.stringMatching(/^RE/) } });

    // The <Dial> made a child leg to the customer, shown the caller ID.
    const legs = await client.calls.list({ parentCallSid: call.sid });
    expect(legs).toEqual([expect.objectContaining({ to: '+14155550111', from: '+15005550006', direction: 'outbound-dial', parentCallSid: call.sid, status: 'completed' })]);
  });

  it('lists calls with filters and follows next_page_uri page by page', async () => {
    for (const to of ['+14155550101', '+14155550102', '+14155550103']) await client.calls.create({ to, from: emu.credentials.phoneNumber, url: 'https://example.com/twiml' });
    const all = await client.calls.list({ from: emu.credentials.phoneNumber, pageSize: 2 });
    expect(all.map((c) => c.to).slice(0, 3)).toEqual(['+14155550103', '+14155550102', '+14155550101']);
    const page = await client.calls.page({ pageSize: 2, from: emu.credentials.phoneNumber });
    expect(page.instances).toHaveLength(2);
    const next = await page.nextPage();
    expect(next?.instances.map((c) => c.sid).some((sid) => page.instances.some((c) => c.sid === sid))).toBe(false);
    expect(await client.calls.list({ to: '+14155550102' })).toHaveLength(1);
    expect(await client.calls.list({ status: 'busy' })).toEqual([]);
    expect((await client.calls.list({ startTimeAfter: new Date(Date.now() - 60_000) })).length).toBeGreaterThanOrEqual(4);
  });

  it('records a call on demand, lists, fetches and deletes recordings; media as wav', async () => {
    const call = await client.calls.create({ to: '+14155550104', from: emu.credentials.phoneNumber, twiml: '<Response><Pause length="60"/></Response>' });
    await emu.settled(call.sid);
    const rec = await client.calls(call.sid).recordings.create({ recordingStatusCallback: hookUrl });
    expect(rec).toMatchObject({ callSid: call.sid, status: 'in-progress', source: 'StartCallRecordingAPI' });
    await emu.hangUp(call.sid, 30);
    expect(await client.calls(call.sid).recordings.list()).toEqual([expect.objectContaining({ sid: rec.sid, status: 'completed', duration: '30' })]);
    expect((await client.recordings(rec.sid).fetch()).status).toBe('completed');
    const media = await fetch(`${emu.url}/2010-04-01/Accounts/${emu.credentials.accountSid}/Recordings/${rec.sid}.wav`, { headers: { authorization: `Basic ${Buffer.from(`${emu.credentials.accountSid}:${emu.credentials.authToken}`).toString('base64')}` } });
    expect(media.headers.get('content-type')).toBe('audio/x-wav');
    expect(Buffer.from(await media.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
    expect(await client.recordings(rec.sid).remove()).toBe(true);
    await expect(client.recordings(rec.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('answers Twilio\'s error shape: caller ID not verified (21210) or malformed (21212), bad To (21211), bad credentials (20003)', async () => {
    await expect(client.calls.create({ to: '+14155550100', from: '+15005550007', url: 'https://example.com/twiml' })).rejects.toMatchObject({ status: 400, code: 21210, moreInfo: 'https://www.twilio.com/docs/errors/21210' });
    await expect(client.calls.create({ to: '555', from: emu.credentials.phoneNumber, url: 'https://example.com/twiml' })).rejects.toMatchObject({ status: 400, code: 21211 });
    await expect(client.calls.create({ to: '+14155550100', from: '4155550177', url: 'https://example.com/twiml' })).rejects.toMatchObject({ status: 400, code: 21212 });
    emu.setCallerIdVerified('+14155550188', false);
    await expect(client.calls.create({ to: '+14155550100', from: '+14155550188', url: 'https://example.com/twiml' })).rejects.toMatchObject({ code: 21210 });
    emu.setCallerIdVerified('+14155550188', true);
    expect((await client.calls.create({ to: '+14155550100', from: '+14155550188', url: 'https://example.com/twiml' })).from).toBe('+14155550188');
    const stranger = twilio(emu.credentials.accountSid, 'wrong-token', { httpClient: new EmulatorClient(emu.url) });
    await expect(stranger.calls.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('looks numbers up (Lookup v2 with caller_name and line_type_intelligence)', async () => {
    emu.setLookup('+14155552671', { callerName: 'ACME CORP', callerType: 'BUSINESS', lineType: 'landline', carrierName: 'Pacific Bell' });
    const found = await client.lookups.v2.phoneNumbers('+14155552671').fetch({ fields: 'caller_name,line_type_intelligence' });
    expect(found).toMatchObject({ valid: true, countryCode: 'US', nationalFormat: '(415) 555-2671', callerName: { callerName: 'ACME CORP', callerType: 'BUSINESS' }, lineTypeIntelligence: { type: 'landline', carrierName: 'Pacific Bell' } });
    const plain = await client.lookups.v2.phoneNumbers('+14155552671').fetch();
    expect(plain.callerName).toBeNull();
    expect((await client.lookups.v2.phoneNumbers('+1415').fetch()).valid).toBe(false);
  });
});
