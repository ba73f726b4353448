/**
 * `npm run bench`: each figure is a ratio against a baseline measured in the same run, because
 * this machine is shared and noisy. The load generator is a process of its own: `wrk` when on
 * PATH (1 thread), else autocannon in a child process; a fixed offered rate is open loop, evenly spaced (paced-child.ts).
 *
 * Figures (`--only` names in brackets):
 * 1. [ingest] Signed-webhook ingest, the hub in its own process: `POST /webhooks/mailgun` (HMAC)
 *    and a custom source `POST /webhooks/sources/:id` (Standard Webhooks), every request a fresh
 *    event, vs a bare Fastify route: max req/s, then p99 at a fixed 2,000 req/s offered; on SQLite
 *    and on PostgreSQL (`bench/ingest.ts`).
 * 2. [deliveries] Outgoing webhook deliveries per second to a local receiver vs the receiver alone,
 *    on SQLite and PostgreSQL (`bench/deliveries.ts`).
 * 3. [send] email.send through the hub vs a direct POST to the SendGrid emulator, and the hub's
 *    added p50 at a fixed rate (`bench/send.ts`).
 * 4. [payments] Payment create through the hub vs a direct call to the Stripe emulator
 *    (`bench/payments.ts`).
 * 5. [sse] SSE fan-out: 100 subscribers on `/api/v1/events/stream` vs a bare SSE server.
 * 6. [startup] Start-up to the first 200 vs a bare Fastify process, median of 5 (`bench/startup.ts`).
 * 7. [memory] RSS of the hub process over a 60-second ingest run (fixed rate) and a 60-second
 *    delivery run (flat out); growth = RSS at the end / RSS after the first 10 s − 1.
 * 8. [proxy] A proxied GET through the hub (`/api/v1/proxy/:connectionId/user`, a GitHub
 *    connection made through the connect flow) vs the same GET straight to the emulator
 *    (`bench/proxy.ts`).
 * 9. [sms] `sms.send` through the hub vs a direct POST of the same message to the Twilio emulator
 *    (`bench/sms.ts`).
 * 10. [calendar] An event created through the hub vs straight at the Google Calendar emulator, and
 *    free/busy merged over Google, Outlook and CalDAV vs one direct Google `freeBusy`
 *    (`bench/calendar.ts`).
 *
 * Flags: `--only ingest,deliveries` runs only the named figures (default all);
 * `--json FILE` also writes the figures as JSON: `{ingest, ingestPostgres, ingestFixedRate,
 * deliveries, send, payments, sms, calendar, sse, startup, memory, proxy, meta}`.
 * Environment: `BENCH_SECONDS` (5) per run; `BENCH_DATABASE_URL` (default
 * postgres://postgres@127.0.0.1:5432/test, a fresh schema per run; `off` skips PostgreSQL);
 * `BENCH_INGEST_RATE` (2000) the fixed offered ingest rate; `BENCH_LATENCY_RATE` (200) the fixed
 * rate of the send/payments added-latency runs; `BENCH_MEMORY_SECONDS` (60), `BENCH_MEMORY_RATE`
 * (2000); `BENCH_DELIVERIES` (4000); `BENCH_LOAD=autocannon` forces autocannon over wrk.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchDeliveries, memoryDeliveries } from './deliveries.js';
import { FIXED_RATE, MEMORY_SECONDS, benchIngest, ingestBaseline, memoryIngest } from './ingest.js';
import { CONNECTIONS, SECONDS, killAll, wrkAvailable } from './measure.js';
import { benchPayments } from './payments.js';
import { benchProxy } from './proxy.js';
import { benchSend } from './send.js';
import { benchSms } from './sms.js';
import { benchCalendar } from './calendar.js';
import { benchPostgres, inFreshSchema } from './server.js';
import { benchSse } from './sse.js';
import { benchStartup } from './startup.js';

const FIGURES = ['ingest', 'deliveries', 'send', 'payments', 'sms', 'calendar', 'sse', 'startup', 'memory', 'proxy'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'string' }, only: { type: 'string' } } });
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...FIGURES];
  const unknown = only.filter((f) => !(FIGURES as readonly string[]).includes(f));
  if (unknown.length) throw new Error(`unknown figure(s) ${unknown.join(', ')}: use ${FIGURES.join(',')}`);
  const wants = (f: (typeof FIGURES)[number]) => only.includes(f);
  const postgres = wants('ingest') || wants('deliveries') ? await benchPostgres() : null;
  const out: Record<string, unknown> = {
    meta: { at: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, load: wrkAvailable() ? 'wrk' : 'autocannon', postgres: postgres !== null, only },
  };
  console.log(`${SECONDS}s per run, ${CONNECTIONS} connections, load by ${wrkAvailable() ? 'wrk' : 'autocannon'} (fixed rates: evenly paced) in its own process; PostgreSQL ${postgres ? 'on' : 'off'}\n`);

  if (wants('ingest')) {
    const base = await ingestBaseline();
    const sqlite = await benchIngest('sqlite', undefined, base);
    out.ingest = sqlite.max;
    const fixed: Record<string, unknown> = { offered: FIXED_RATE, baselineP99Ms: base.fixed.p99, baselineP50Ms: base.fixed.p50, floorP99Ms: base.floor.fixed.p99, floorP50Ms: base.floor.fixed.p50, sqlite: sqlite.fixed };
    if (postgres) {
      const pg = await inFreshSchema(postgres, (url) => benchIngest('postgres', url, base));
      out.ingestPostgres = pg.max;
      fixed.postgres = pg.fixed;
    }
    out.ingestFixedRate = fixed;
  }
  if (wants('deliveries')) out.deliveries = await benchDeliveries({ postgres });
  if (wants('send')) {
    console.log('');
    out.send = await benchSend();
  }
  if (wants('payments')) out.payments = await benchPayments();
  if (wants('sms')) out.sms = await benchSms();
  if (wants('calendar')) out.calendar = await benchCalendar();
  if (wants('proxy')) out.proxy = await benchProxy();
  if (wants('sse')) {
    console.log('');
    out.sse = await benchSse({ subscribers: 100 });
  }
  if (wants('startup')) {
    const r = await benchStartup({ runs: 5 });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    out.startup = { hubMs: Math.round(median(r.hubMs)), bareMs: Math.round(median(r.bareMs)), ratio: Math.round((median(r.hubMs) / median(r.bareMs)) * 100) / 100, firstStartMs: Math.round(r.firstStartMs), runs: r };
  }
  if (wants('memory')) {
    console.log('');
    const ingest = await memoryIngest();
    const deliveries = await memoryDeliveries();
    out.memory = { ingestGrowth: ingest.growth, deliveriesGrowth: deliveries.growth, ingestRetainedGrowth: ingest.retainedGrowth, deliveriesRetainedGrowth: deliveries.retainedGrowth, seconds: MEMORY_SECONDS, ingest, deliveries };
  }
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nfigures written to ${values.json}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
