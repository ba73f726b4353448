/**
 * email.send through the hub (auth, validation, suppression check, group-committed writes,
 * transport, SendGrid emulator) vs a direct POST of the same mail to the SendGrid emulator, at
 * full speed and at a fixed offered rate (added median latency), measured in the same run. The
 * sandbox hub (with its emulators, as sandbox mode runs them) is a process of its own
 * (this file with `child`, see bench/payments.ts).
 *
 * @example
 * const figures = await benchSend(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHub } from '../src/hub.js';
import { benchThroughHub, serveSandboxHub, type ThroughHubFigures } from './payments.js';
import type { RequestSpec } from './requests.js';

async function setupSend() {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-')), RATE_LIMIT_SENDGRID: '1000000/s' },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  await hub.connections.startEmulators(); // emulators start when first used; the direct baseline needs them now
  const emulator = hub.connections.emulator('sendgrid')!;
  const mail = { to: 'bench@example.com', subject: 'Bench', html: '<p>Hello</p>', text: 'Hello' };
  const direct = {
    personalizations: [{ to: [{ email: 'bench@example.com' }] }],
    from: { email: 'noreply@switchboard.test' },
    subject: 'Bench',
    content: [
      { type: 'text/plain', value: 'Hello' },
      { type: 'text/html', value: '<p>Hello</p>' },
    ],
  };
  const directSpec: RequestSpec = { kind: 'static', method: 'POST', path: '/v3/mail/send', headers: { authorization: `Bearer ${emulator.credentials.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(direct) };
  const hubSpec: RequestSpec = { kind: 'static', method: 'POST', path: '/api/v1/integrations/email/send', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(mail) };
  return { hub, info: { url, emulatorUrl: emulator.url, viaHub: hubSpec, direct: directSpec }, providers: ['sendgrid', 'mailgun'] };
}

export async function benchSend(): Promise<ThroughHubFigures> {
  return benchThroughHub('email.send: hub vs direct SendGrid', fileURLToPath(import.meta.url));
}

if (process.argv[2] === 'child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveSandboxHub(setupSend).catch((err: unknown) => (console.error(err), process.exit(1)));
}
