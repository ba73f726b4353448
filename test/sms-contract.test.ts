/**
 * The sms contract suite against the Twilio connector: a real Transport (one attempt, so chaos
 * never makes it sleep) to the Twilio emulator.
 */
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { smsContractSuite, type ReceivedSms } from '../src/categories/sms/contract-suite.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { startTwilioEmulator, twilio, twilioWebhooks, type TwilioCredentials } from '../src/providers/twilio/index.js';
import { Transport } from '../src/transport/transport.js';
import { captureServer } from './helpers/capture-server.js';

smsContractSuite('twilio (emulator)', async () => {
  const emu = await startTwilioEmulator({ eventDelayMs: 1 });
  const capture = await captureServer();
  emu.setWebhookTarget(`${capture.url}/webhooks/twilio`);
  const connection: ResolvedConnection<TwilioCredentials> = {
    id: 'conn_contract_twilio',
    tenantId: 'ten_contract',
    provider: 'twilio',
    mode: 'sandbox',
    baseUrl: emu.url,
    credentials: twilio.manifest.credentials.parse(emu.credentials),
  };
  const http = new Transport().forConnection({ ...twilio.manifest, retry: { maxAttempts: 1 } }, connection);
  const provider = twilio.sms!({ connection, http, clock: systemClock, logger: createLogger('silent') });
  // +14155550999 replied STOP to the account's number.
  await emu.receiveMessage({ from: '+14155550999', body: 'STOP' });
  const strip = (v: string) => v.replace(/^whatsapp:/, '');
  return {
    provider,
    invalidNumber: '+15005550001',
    optedOutNumber: '+14155550999',
    chaos: emu.chaos,
    templateId: `HX${'f'.repeat(32)}`,
    inbox: async () =>
      [...emu.messages.values()]
        .filter((m) => m.resource.direction === 'outbound-api')
        .map(
          (m): ReceivedSms => ({
            providerMessageId: m.resource.sid,
            channel: m.resource.to.startsWith('whatsapp:') ? 'whatsapp' : 'sms',
            to: strip(m.resource.to),
            from: strip(m.resource.from),
            body: m.contentSid ? '' : m.resource.body,
            mediaUrls: m.mediaUrls,
            ...(m.contentSid ? { contentSid: m.contentSid, contentVariables: m.contentVariables } : {}),
            ...(m.statusCallback ? { statusCallback: m.statusCallback } : {}),
          }),
        ),
    webhooks: {
      handler: twilioWebhooks,
      posted: async (sid) =>
        capture.captured
          .filter((c) => new URLSearchParams(c.body.toString()).get('MessageSid') === sid)
          .map((c) => ({ body: c.body, headers: Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, String(v)])) })),
    },
    teardown: async () => {
      await emu.close();
      await capture.close();
    },
  };
});
