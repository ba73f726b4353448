/**
 * The `voice` contract suite: what every voice connector must do, whatever the vendor. It is run
 * against each provider (`test/voice-contract.test.ts`) through a real Transport to the
 * provider's emulator; the harness steers the emulated calls (wait for an answer, hang up as if
 * the call lasted so long) and signs requests with the vendor's own library.
 *
 * @see ./contract.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import type { Call, IvrUrls, VoiceProvider } from './contract.js';
import './errors.js'; // registers the voice error codes this file uses

/** What `setup()` gives the suite for one provider. */
export interface VoiceContractHarness {
  /** The connector, bound to a real Transport pointed at the emulator. */
  provider: VoiceProvider;
  /** A number of the account (a valid caller ID) and one that is not. */
  callerId: string;
  foreignCallerId: string;
  /** The emulator's call reaches the state it settles in for now (answered, or ended). */
  settled(sid: string): Promise<void>;
  /** End an answered call as if it lasted `seconds`. */
  hangUp(sid: string, seconds: number): Promise<void>;
  /** The request signature the vendor would send for `url` and form `params` (the vendor library's). */
  sign(url: string, params: Record<string, string>): Record<string, string>;
  teardown(): Promise<void>;
}

const AGENT = '+14155550100';
const CUSTOMER = '+14155550111';
const urls: IvrUrls = { self: 'https://hub.example.com/voice/ivr/main', menu: (id) => `https://hub.example.com/voice/ivr/${id}` };

/**
 * Runs the voice contract against one provider.
 *
 * @example
 * voiceContractSuite('twilio', async () => ({ provider, callerId, … }));
 */
export function voiceContractSuite(name: string, setup: () => Promise<VoiceContractHarness>): void {
  describe(`voice contract: ${name}`, () => {
    let h: VoiceContractHarness;
    let call: Call;
    beforeAll(async () => {
      h = await setup();
      call = await h.provider.placeCall({ agent: AGENT, customer: CUSTOMER, callerId: h.callerId });
      await h.settled(call.sid);
    });
    afterAll(async () => {
      await h?.teardown();
    });

    it('places a click-to-call: the agent is called from the caller ID, then bridged to the customer shown the caller ID', async () => {
      expect(call).toMatchObject({ provider: h.provider.id, to: AGENT, from: h.callerId, status: 'initiated', direction: 'outbound-api' });
      expect(call.sid).toMatch(/^\w+$/);
      expect(await h.provider.getCall(call.sid)).toMatchObject({ sid: call.sid, status: 'answered', providerStatus: expect.any(String) });
      const legs = await h.provider.listCalls({ to: CUSTOMER });
      expect(legs.data).toContainEqual(expect.objectContaining({ to: CUSTOMER, from: h.callerId, parentCallSid: call.sid }));
    });

    it('filters the call log and pages through it with the provider\'s cursor', async () => {
      const second = await h.provider.placeCall({ agent: '+14155550122', customer: CUSTOMER, callerId: h.callerId });
      await h.settled(second.sid);
      const byAgent = await h.provider.listCalls({ to: AGENT });
      expect(byAgent.data.map((c) => c.sid)).toEqual([call.sid]);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await h.provider.listCalls({ from: h.callerId, pageSize: 1, cursor });
        expect(page.data.length).toBeLessThanOrEqual(1);
        seen.push(...page.data.map((c) => c.sid));
        if (!page.next) break;
        cursor = page.next;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([call.sid, second.sid]));
      expect((await failure(h.provider.listCalls({ cursor: Buffer.from('/elsewhere?x=1').toString('base64url') }))).code).toBe('validation_failed');
      await h.provider.endCall(second.sid);
    });

    it('records a call in progress; once it ends: its duration, price, the recording\'s bytes, and delete', async () => {
      const rec = await h.provider.startRecording(call.sid);
      expect(rec).toMatchObject({ callSid: call.sid, status: 'in-progress' });
      expect((await h.provider.listRecordings(call.sid)).map((r) => r.sid)).toContain(rec.sid);
      await h.hangUp(call.sid, 65);
      const ended = await h.provider.getCall(call.sid);
      expect(ended).toMatchObject({ status: 'completed', providerStatus: 'completed', durationSec: 65 });
      expect(Number(ended.price)).toBeLessThan(0);
      expect(ended.endedAt).not.toBeNull();
      expect(await h.provider.getRecording(rec.sid)).toMatchObject({ status: 'completed', durationSec: 65 });
      const media = await h.provider.recordingMedia(rec.sid, 'wav');
      const chunks: Buffer[] = [];
      for await (const c of media.body) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(media.contentType).toMatch(/wav/);
      expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
      if (media.contentLength !== undefined) expect(bytes.length).toBe(media.contentLength);
      await h.provider.deleteRecording(rec.sid);
      expect((await failure(h.provider.getRecording(rec.sid))).code).toBe('not_found');
      expect((await failure(h.provider.startRecording(call.sid))).status).toBeLessThan(500);
    });

    it('refuses a caller ID that is not the account\'s as call_refused (another provider would refuse it too)', async () => {
      const err = await failure(h.provider.placeCall({ agent: AGENT, customer: CUSTOMER, callerId: h.foreignCallerId }));
      expect(err.code).toBe('call_refused');
      expect(err.failover).toBe(false);
    });

    it('looks a number up: validity, caller name and line type', async () => {
      const found = await h.provider.lookup('+14155552671');
      expect(found).toMatchObject({ provider: h.provider.id, phoneNumber: '+14155552671', valid: true, countryCode: 'US' });
      expect(found.callerName).toEqual(expect.any(String));
      expect(found.lineType).toEqual(expect.any(String));
    });

    it('renders an IVR menu, each option and a wrong key as call instructions pointing back at the hub', async () => {
      const menu = { id: 'main', prompt: 'Press 1 for sales, 2 for support.', options: { '1': { say: 'Connecting you.', dial: '+14155550199' }, '2': { menu: 'support' }, '9': { hangup: true } }, invalid: 'No such option.' };
      const top = await h.provider.renderIvr(menu, urls);
      expect(top.contentType).toMatch(/xml/);
      expect(top.body).toContain('Press 1 for sales, 2 for support.');
      expect(top.body).toContain(urls.self);
      expect((await h.provider.renderIvr(menu, urls, '1')).body).toContain('+14155550199');
      expect((await h.provider.renderIvr(menu, urls, '2')).body).toContain(urls.menu('support'));
      expect((await h.provider.renderIvr(menu, urls, '5')).body).toContain('No such option.');
    });

    it('accepts the provider\'s signed request and refuses a tampered or unsigned one', () => {
      const url = 'https://hub.example.com/voice/ivr/main?tenant=t1';
      const params = { CallSid: call.sid, Digits: '1', From: AGENT };
      const body = Buffer.from(new URLSearchParams(params).toString());
      const headers = h.sign(url, params);
      expect(() => h.provider.verifyRequest({ url, rawBody: body, headers })).not.toThrow();
      expect(() => h.provider.verifyRequest({ url, rawBody: Buffer.from(new URLSearchParams({ ...params, Digits: '2' }).toString()), headers })).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
      expect(() => h.provider.verifyRequest({ url: url.replace('t1', 't2'), rawBody: body, headers })).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
      expect(() => h.provider.verifyRequest({ url, rawBody: body, headers: {} })).toThrow(expect.objectContaining({ code: 'webhook_signature_missing' }));
    });
  });
}
