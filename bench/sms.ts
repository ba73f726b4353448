/**
 * `sms.send` through the hub (`POST /api/v1/integrations/sms/send`: auth, E.164 and segments, the
 * opt-out check, the message row durably marked before Twilio is asked, the Twilio connector over
 * the transport, the row updated with the answer) vs a direct form POST of the same message to the
 * Twilio emulator, measured in the same run: full speed, the hub's added median latency at a fixed
 * rate, and full speed with the emulator answering as a vendor across the internet would.
 * Status callbacks are off for both (the hub would also be processing them).
 *
 * @example
 * const figures = await benchSms(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHub } from '../src/hub.js';
import type { TwilioEmulator } from '../src/providers/twilio/index.js';
import { benchThroughHub, serveSandboxHub, type ThroughHubFigures } from './payments.js';
import type { RequestSpec } from './requests.js';

async function setupSms() {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-sms-')), TWILIO_RATE_LIMIT: '1000000/s', EMAIL_PROVIDERS: 'smtp' },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  await hub.connections.startEmulators(); // the direct baseline needs the emulator now
  const emulator = hub.connections.emulator('twilio') as TwilioEmulator;
  emulator.setStatusCallbacks(false);
  const { accountSid, authToken, phoneNumber } = emulator.credentials;
  const form = new URLSearchParams({ To: '+14155552671', From: phoneNumber, Body: 'Your code is 123456' }).toString();
  const directSpec: RequestSpec = {
    kind: 'static',
    method: 'POST',
    path: `/2010-04-01/Accounts/${accountSid}/Messages.json`,
    headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  };
  const hubSpec: RequestSpec = {
    kind: 'static',
    method: 'POST',
    path: '/api/v1/integrations/sms/send',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumber: '+14155552671', message: 'Your code is 123456' }),
  };
  return { hub, info: { url, emulatorUrl: emulator.url, viaHub: hubSpec, direct: directSpec }, providers: ['twilio'] };
}

export async function benchSms(): Promise<ThroughHubFigures> {
  return benchThroughHub('sms.send: hub vs direct Twilio', fileURLToPath(import.meta.url));
}

if (process.argv[2] === 'child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveSandboxHub(setupSms).catch((err: unknown) => (console.error(err), process.exit(1)));
}
