/**
 * `npm run bench`: each figure is a ratio against a baseline measured in the same run, because
 * this machine is shared and noisy.
 *
 * 1. email.send through the hub (auth, validation, suppression check, group-committed writes,
 *    transport, SendGrid emulator) vs a direct POST of the same mail to the SendGrid emulator.
 * 2. Signed-webhook ingestion (`POST /webhooks/mailgun`: HMAC check, dedupe, durable insert + job
 *    in one commit) vs a bare Fastify route that answers 200.
 *
 * Load comes from autocannon in a worker thread; the server under test runs in this thread.
 * `BENCH_SECONDS` (default 5) sets each run's length; `BENCH_DATABASE_URL` runs the hub on
 * PostgreSQL instead of SQLite.
 * 3. Outgoing webhook deliveries per second to a local receiver vs the receiver alone
 *    (`bench/deliveries.ts`; on SQLite, and PostgreSQL too with `BENCH_DATABASE_URL`).
 * 4. SSE fan-out: 100 subscribers on `/api/v1/events/stream` vs a bare SSE server (`bench/sse.ts`).
 * 5. Payment create (`POST /api/v1/payments`: validation, exact money, payment row + recovery job
 *    committed before the call, Stripe connector, row update) vs a direct form POST of the same
 *    PaymentIntent to the Stripe emulator (`bench/payments.ts`).
 * 6. Start-up: spawn of `node bin/switchboard.js start` (sandbox, temporary DATA_DIR) to its first
 *    200 on `GET /api/v1/integrations/health` vs a bare Fastify process started the same way,
 *    median of 5 (`bench/startup.ts`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createHub } from '../src/hub.js';
import { benchDeliveries } from './deliveries.js';
import { CONNECTIONS, SECONDS, load, row } from './measure.js';
import { benchPayments } from './payments.js';
import { benchSse } from './sse.js';
import { benchStartup } from './startup.js';

/** Let the webhooks of the previous run settle, so one run's backlog does not load the next. */
async function settle(hub: Awaited<ReturnType<typeof createHub>>): Promise<void> {
  for (;;) {
    await Promise.all(['sendgrid', 'mailgun'].map((p) => hub.connections.emulator(p)?.drainWebhooks?.()));
    const r = await hub.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'running']).where('run_at', '<=', Date.now()).executeTakeFirstOrThrow();
    if (Number(r.n) === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const signingKey = 'bench-mailgun-signing-key';
  const hub = await createHub({
    env: {
      MOCK_EXTERNAL_APIS: 'true',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
      RATE_LIMIT_SENDGRID: '1000000/s',
      MAILGUN_WEBHOOK_SIGNING_KEY: signingKey,
    },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  await hub.connections.startEmulators(); // emulators start when first used; the direct baseline needs them now
  const emulator = hub.connections.emulator('sendgrid')!;
  const sgKey = emulator.credentials.apiKey!;
  console.log(`store: ${hub.store.dialect}; ${SECONDS}s per run, ${CONNECTIONS} connections\n`);

  // 1. email.send
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
  await load({ url: `${emulator.url}/v3/mail/send`, method: 'POST', duration: 1, headers: { authorization: `Bearer ${sgKey}`, 'content-type': 'application/json' }, body: JSON.stringify(direct) });
  await settle(hub);
  const sendBase = await load({ url: `${emulator.url}/v3/mail/send`, method: 'POST', headers: { authorization: `Bearer ${sgKey}`, 'content-type': 'application/json' }, body: JSON.stringify(direct) });
  await settle(hub);
  const sendHub = await load({ url: `${url}/api/v1/integrations/email/send`, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(mail) });

  // 2. webhook ingestion: every request a fresh, validly signed Mailgun event.
  const bare = Fastify();
  bare.post('/webhook', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
  const signedBody = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(16).toString('hex');
    const signature = createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
    return JSON.stringify({
      signature: { timestamp, token, signature },
      'event-data': { event: 'delivered', id: token, timestamp: Number(timestamp), recipient: 'bench@example.com', message: { headers: { 'message-id': 'bench@x' } } },
    });
  };
  // Functions cannot cross into autocannon's worker thread, so the signed bodies are made ahead.
  const requests = Array.from({ length: 60_000 }, () => ({ method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: signedBody() }));
  await settle(hub);
  const hookBase = await load({ url: `${bareUrl}/webhook`, requests });
  await settle(hub);
  const hookHub = await load({ url: `${url}/webhooks/mailgun`, requests });

  console.log(row('email.send: hub vs direct emulator', sendHub, sendBase));
  console.log(row('webhook ingest: hub vs bare Fastify', hookHub, hookBase));
  const stored = await hub.store.db.selectFrom('webhook_inbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  console.log(`\n(${Number(stored.n)} webhook deliveries durably stored during the run)`);

  await bare.close();
  await hub.close();

  // 3. outgoing webhook deliveries vs the receiver's own capacity.
  await benchDeliveries({ seconds: SECONDS });

  // 4. SSE fan-out to 100 subscribers vs a bare SSE server.
  await benchSse({ subscribers: 100 });

  // 5. payment create through the hub vs a direct call to the Stripe emulator.
  await benchPayments();

  // 6. start-up to the first healthy answer vs a bare Fastify process.
  await benchStartup({ runs: 5 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
