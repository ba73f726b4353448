/**
 * email.send through the hub (auth, validation, suppression check, group-committed writes,
 * transport, SendGrid emulator) vs a direct POST of the same mail to the SendGrid emulator, at
 * full speed and at a fixed offered rate (added median latency), measured in the same run.
 *
 * @example
 * const figures = await benchSend(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '../src/hub.js';
import { throughHubVsDirect, type ThroughHubFigures } from './payments.js';
import type { RequestSpec } from './requests.js';

/** Let the webhooks and jobs of the previous run settle, so one run's backlog does not load the next. */
async function settle(hub: Hub): Promise<void> {
  for (let i = 0; i < 600; i++) {
    await Promise.all(['sendgrid', 'mailgun'].map((p) => hub.connections.emulator(p)?.drainWebhooks?.()));
    const r = await hub.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'running']).where('run_at', '<=', Date.now()).executeTakeFirstOrThrow();
    if (Number(r.n) === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

export async function benchSend(): Promise<ThroughHubFigures> {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-')), RATE_LIMIT_SENDGRID: '1000000/s' },
  });
  try {
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
    return await throughHubVsDirect('email.send: hub vs direct SendGrid', [url, hubSpec], [emulator.url, directSpec], () => settle(hub));
  } finally {
    await hub.close();
  }
}
