/**
 * The `sms` contract suite: what every SMS / WhatsApp connector must do, whatever the vendor. It
 * runs against each provider (`test/sms-contract.test.ts`) through a real Transport to the
 * provider's emulator, and reads back what the server received through the harness's `inbox()`,
 * normalized to {@link ReceivedSms}.
 *
 * Optional features (MMS, WhatsApp, templates, status lookups) are checked where the provider's
 * `capabilities` declare them, and a declared capability must really work; an undeclared one is
 * skipped with a note.
 *
 * @see ./contract.ts
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { HubError, surelyNotSent } from '../../core/errors.js';
import type { ChaosSettings } from '../../kit/emulator.js';
import type { InboundEvent, WebhookHandler } from '../../kit/inbound.js';
import { SMS_STATUS_RANK, type SmsCapability, type SmsMessage, type SmsProvider } from './contract.js';
import './errors.js'; // registers the sms error codes this file uses

/** A message as the server received it, in one shape for every provider. */
export interface ReceivedSms {
  providerMessageId: string;
  channel: 'sms' | 'whatsapp';
  /** E.164 without any channel prefix. */
  to: string;
  from: string;
  body: string;
  mediaUrls: string[];
  contentSid?: string;
  contentVariables?: Record<string, string>;
  statusCallback?: string;
}

/** What `setup()` gives the suite for one provider. */
export interface SmsContractHarness {
  /** The connector, bound to a real Transport pointed at the server. */
  provider: SmsProvider;
  /** Every message the server received so far, normalized. */
  inbox(): Promise<ReceivedSms[]>;
  /** The provider's webhook handler, and the status callbacks the server posted for a message (raw bodies and headers). */
  webhooks?: { handler: WebhookHandler; posted(providerMessageId: string): Promise<{ body: Buffer; headers: Record<string, string> }[]> };
  /** A number the server refuses as invalid. */
  invalidNumber: string;
  /** A number that replied STOP to the connection's sender (the harness arranged it). */
  optedOutNumber: string;
  /** The emulator's chaos knobs. */
  chaos?: ChaosSettings;
  /** A WhatsApp template id the server accepts (`HX…`). */
  templateId?: string;
  teardown(): Promise<void>;
}

/**
 * Registers the sms contract tests for one provider (a vitest `describe`).
 *
 * @example
 * smsContractSuite('twilio (emulator)', async () => ({ provider, inbox, invalidNumber: '+15005550001', optedOutNumber, chaos: emu.chaos, teardown: () => emu.close() }));
 */
export function smsContractSuite(name: string, setup: () => Promise<SmsContractHarness>): void {
  describe(`sms contract: ${name}`, () => {
    let h: SmsContractHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => h?.teardown());

    const run = randomBytes(3).toString('hex');
    let n = 0;
    const message = (over: Partial<SmsMessage> = {}): SmsMessage => {
      n++;
      return { channel: 'sms', to: '+14155552671', body: `Contract ${run}-${n}`, ...over, id: `sms_contract_${run}_${n}` };
    };
    const arrival = async (providerMessageId: string) => {
      const got = (await h.inbox()).filter((m) => m.providerMessageId === providerMessageId);
      expect(got, `${providerMessageId} arrives exactly once`).toHaveLength(1);
      return got[0]!;
    };
    const failure = async (msg: SmsMessage): Promise<HubError> => {
      const err: unknown = await h.provider.send(msg).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HubError);
      return err as HubError;
    };
    const requires = (ctx: TestContext, capability: SmsCapability): void => {
      if (!h.provider.capabilities.has(capability)) ctx.skip(`${h.provider.id} does not declare '${capability}'`);
    };

    it('answers { provider, providerMessageId, status, segments }, a distinct id per message', async () => {
      const first = await h.provider.send(message());
      const second = await h.provider.send(message({ body: 'x'.repeat(200) }));
      for (const r of [first, second]) {
        expect(r.provider).toBe(h.provider.id);
        expect(r.providerMessageId.trim()).not.toBe('');
        expect(SMS_STATUS_RANK[r.status]).toBeLessThanOrEqual(SMS_STATUS_RANK.sent);
      }
      expect(second.providerMessageId).not.toBe(first.providerMessageId);
      expect(second.segments).toBe(2);
    });

    it('delivers the text intact, from the default sender or the one given', async () => {
      const body = 'Grüße — ✓ 😀\nline two';
      const r = await h.provider.send(message({ body, to: '+447911123456' }));
      const got = await arrival(r.providerMessageId);
      expect(got).toMatchObject({ channel: 'sms', to: '+447911123456', body });
      expect(got.from).toMatch(/^\+\d+$/);
      const named = await h.provider.send(message({ from: 'ACME' }));
      expect((await arrival(named.providerMessageId)).from).toBe('ACME');
    });

    it('passes the status callback URL', async () => {
      const r = await h.provider.send(message({ statusCallback: 'http://127.0.0.1:9/status/abc' }));
      expect((await arrival(r.providerMessageId)).statusCallback).toBe('http://127.0.0.1:9/status/abc');
    });

    it('sends media (MMS)', async (ctx) => {
      requires(ctx, 'mms');
      const mediaUrls = ['https://example.com/a.jpg', 'https://example.com/b.png'];
      const r = await h.provider.send(message({ body: undefined, mediaUrls }));
      expect((await arrival(r.providerMessageId)).mediaUrls).toEqual(mediaUrls);
    });

    it('sends WhatsApp text and approved templates', async (ctx) => {
      requires(ctx, 'whatsapp');
      const r = await h.provider.send(message({ channel: 'whatsapp', body: 'hola' }));
      expect(await arrival(r.providerMessageId)).toMatchObject({ channel: 'whatsapp', to: '+14155552671', body: 'hola' });
      expect(r.segments ?? 1).toBe(1);
      if (!h.provider.capabilities.has('templates') || !h.templateId) return;
      const t = await h.provider.send(message({ channel: 'whatsapp', body: undefined, contentSid: h.templateId, contentVariables: { 1: 'Ann' } }));
      expect(await arrival(t.providerMessageId)).toMatchObject({ contentSid: h.templateId, contentVariables: { 1: 'Ann' } });
    });

    it('an invalid number is invalid_phone_number: no retry, no failover', async () => {
      const err = await failure(message({ to: h.invalidNumber }));
      expect(err).toMatchObject({ code: 'invalid_phone_number', retryable: false, failover: false, provider: h.provider.id });
    });

    it('a recipient that replied STOP is recipient_opted_out', async () => {
      const err = await failure(message({ to: h.optedOutNumber }));
      expect(err).toMatchObject({ code: 'recipient_opted_out', retryable: false, failover: false });
    });

    it("a 429 is provider_rate_limited and surely not sent (another provider may take it); a 5xx is not", async (ctx) => {
      if (!h.chaos) return ctx.skip('no emulator');
      h.chaos.rateLimitNext = 1;
      h.chaos.retryAfterSec = 0;
      const limited = await failure(message());
      expect(limited.code).toBe('provider_rate_limited');
      expect(surelyNotSent(limited)).toBe(true);
      h.chaos.errorRate = 1;
      try {
        const down = await failure(message());
        expect(down.code).toBe('provider_unavailable');
        // A 5xx may come after the provider took the message: never sent again elsewhere.
        expect(surelyNotSent(down)).toBe(false);
      } finally {
        h.chaos.errorRate = 0;
      }
    });

    it('reports the status forward to delivered, and its callbacks parse into the same events', async (ctx) => {
      if (!h.provider.fetchStatus) return ctx.skip(`${h.provider.id} has no status lookup`);
      const r = await h.provider.send(message());
      await expect.poll(async () => (await h.provider.fetchStatus!(r.providerMessageId)).status, { timeout: 5000, interval: 20 }).toBe('delivered');
      if (!h.webhooks) return;
      await expect.poll(async () => (await h.webhooks!.posted(r.providerMessageId)).length, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(2);
      const events: InboundEvent[] = (await h.webhooks.posted(r.providerMessageId)).flatMap((p) => h.webhooks!.handler.parse(p.body, p.headers));
      expect(events.map((e) => e.type)).toContain('sms.delivered');
      for (const e of events) expect(e.ref.providerObjectId).toBe(r.providerMessageId);
      expect(new Set(events.map((e) => e.providerEventId)).size).toBe(events.length);
    });

    it('finds a message it holds after a lost answer, and none for a message never sent', async (ctx) => {
      if (!h.provider.findSent) return ctx.skip(`${h.provider.id} cannot look a send up`);
      const since = Date.now();
      const msg = message({ to: '+14155552699' });
      const r = await h.provider.send(msg);
      expect((await h.provider.findSent(msg, since))?.providerMessageId).toBe(r.providerMessageId);
      expect(await h.provider.findSent(message({ to: '+14155552699', body: 'never sent' }), since)).toBeUndefined();
    });
  });
}
