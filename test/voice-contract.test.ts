/**
 * The voice contract suite against Twilio, through a real Transport to its emulator; request
 * signatures made by the `twilio` library (`getExpectedTwilioSignature`).
 */
import { randomUUID } from 'node:crypto';
import twilioLib from 'twilio';
import { voiceContractSuite } from '../src/categories/voice/contract-suite.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { startTwilioEmulator } from '../src/providers/twilio/emulator/index.js';
import { twilio } from '../src/providers/twilio/index.js';
import type { TwilioCredentials } from '../src/providers/twilio/manifest.js';
import { Transport } from '../src/transport/transport.js';

voiceContractSuite('twilio (emulator)', async () => {
  const emu = await startTwilioEmulator({ eventDelayMs: 0 });
  const connection = { id: `conn_${randomUUID()}`, tenantId: 'ten_contract', provider: 'twilio', mode: 'sandbox' as const, baseUrl: emu.url, credentials: emu.credentials as TwilioCredentials };
  const provider = twilio.voice!({ connection, http: new Transport().forConnection(twilio.manifest, connection), clock: systemClock, logger: createLogger('silent') });
  return {
    provider,
    callerId: emu.credentials.phoneNumber,
    foreignCallerId: '+15005550007',
    settled: async (sid) => {
      await emu.settled(sid);
    },
    hangUp: async (sid, seconds) => {
      await emu.hangUp(sid, seconds);
    },
    sign: (url, params) => ({ 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(emu.credentials.authToken, url, params) }),
    teardown: () => emu.close(),
  };
});
