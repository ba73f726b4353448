/**
 * Failover of `POST /email/send` along EMAIL_PROVIDERS=sendgrid,mailgun,smtp in sandbox mode,
 * driven by the emulators' chaos knobs. What each provider saw is read from the emulators
 * themselves (what they accepted, how many requests reached them), not from the hub's answer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailgunEmulator } from '../src/providers/mailgun/emulator/index.js';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import type { SmtpEmulator } from '../src/providers/smtp/emulator/index.js';
import type { Emulator } from '../src/kit/emulator.js';
import { DEFAULT_BREAKER } from '../src/transport/breaker.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const SEND = '/api/v1/integrations/email/send';

/**
 * Counts the requests that reach an HTTP emulator's API routes, without touching src: the
 * emulator kit's chaos hook reads `chaos.latencyMs` exactly once per such request, so a getter on
 * that knob counts them (and the knob keeps working).
 */
function countRequests(emulator: Emulator): () => number {
  let n = 0;
  let latencyMs = emulator.chaos.latencyMs;
  Object.defineProperty(emulator.chaos, 'latencyMs', {
    configurable: true,
    enumerable: true,
    get: () => {
      n++;
      return latencyMs;
    },
    set: (v: number) => {
      latencyMs = v;
    },
  });
  return () => n;
}

/** The value of one Prometheus sample (0 when the series does not exist). */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const [series, value] = line.split(/\s+/);
    if (want.every((l) => series!.includes(l))) return Number(value);
  }
  return 0;
}

describe('email failover: sendgrid → mailgun → smtp', () => {
  let t: TestHub;
  let sg: SendgridEmulator;
  let mg: MailgunEmulator;
  let smtp: SmtpEmulator;
  let sgRequests: () => number;
  let mgRequests: () => number;

  // A hub per test: breakers and chaos settings must not leak from one scenario into the next.
  beforeEach(async () => {
    t = await startTestHub({
      EMAIL_PROVIDERS: 'sendgrid,mailgun,smtp',
      RATE_LIMIT_SENDGRID: '1000/s',
      RATE_LIMIT_MAILGUN: '1000/s',
      RATE_LIMIT_SMTP: '1000/s',
    });
    sg = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
    mg = t.hub.connections.emulator('mailgun') as MailgunEmulator;
    smtp = t.hub.connections.emulator('smtp') as SmtpEmulator;
    sgRequests = countRequests(sg);
    mgRequests = countRequests(mg);
  });
  afterEach(async () => {
    await t?.close();
  });

  const metrics = async () => (await fetch(`${t.url}/metrics`)).text();
  const sgGot = (to: string) => sg.accepted.filter((m) => m.body.personalizations[0]!.to.some((a) => a.email === to)).length;
  const mgGot = (to: string) => mg.accepted.filter((m) => m.recipients.includes(to)).length;
  const send = (to: string, extra: Record<string, unknown> = {}) => t.api(SEND, { body: { to, subject: 'Failover', text: 'hello', ...extra } });

  it('SendGrid answering 500 → 200 from Mailgun; SendGrid was tried once (a POST without idempotency key is not retried after a 5xx)', async () => {
    sg.chaos.errorRate = 1;
    const res = await send('ann@example.com');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', provider: 'mailgun' });

    expect(sgRequests()).toBe(1);
    expect(sgGot('ann@example.com')).toBe(0);
    expect(mgRequests()).toBe(1);
    expect(mgGot('ann@example.com')).toBe(1);
    expect(smtp.accepted).toHaveLength(0);

    const m = await metrics();
    expect(sample(m, 'switchboard_provider_calls_total', { provider: 'sendgrid', status: '500' })).toBe(1);
    expect(sample(m, 'switchboard_provider_retries_total', { provider: 'sendgrid' })).toBe(0);
    const got = await t.api(`/api/v1/integrations/email/${res.body.id}`);
    expect(got.body).toMatchObject({ provider: 'mailgun', to: ['ann@example.com'] });
  });

  it(`after ${DEFAULT_BREAKER.threshold} failures the SendGrid circuit opens: health says down with last_error, and later sends go to Mailgun without reaching SendGrid`, async () => {
    sg.chaos.errorRate = 1;
    for (let i = 0; i < DEFAULT_BREAKER.threshold; i++) {
      const res = await send(`open-${i}@example.com`);
      expect(res.body.provider).toBe('mailgun');
    }
    expect(sgRequests()).toBe(DEFAULT_BREAKER.threshold);

    const health = await t.api('/api/v1/integrations/health');
    expect(health.status).toBe(200);
    const byId = Object.fromEntries((health.body.integrations as { provider: string }[]).map((i) => [i.provider, i]));
    expect(byId.sendgrid).toMatchObject({ status: 'down', breaker: 'open', last_error: { message: expect.stringContaining('SendGrid is unavailable') } });
    expect(byId.mailgun).toMatchObject({ status: 'healthy', last_error: null });
    expect(health.body.status).toBe('ok'); // the hub can still send

    // SendGrid would answer again, but the open circuit keeps every call away from it.
    sg.chaos.errorRate = 0;
    for (let i = 0; i < 3; i++) {
      const res = await send(`after-${i}@example.com`);
      expect(res.status).toBe(200);
      expect(res.body.provider).toBe('mailgun');
    }
    expect(sgRequests()).toBe(DEFAULT_BREAKER.threshold);
    expect(sg.accepted).toHaveLength(0);
    expect(mg.accepted).toHaveLength(DEFAULT_BREAKER.threshold + 3);
    const m = await metrics();
    expect(sample(m, 'switchboard_provider_calls_total', { provider: 'sendgrid', status: 'circuit_open' })).toBe(3);
    expect(sample(m, 'switchboard_provider_breaker_state', { provider: 'sendgrid' })).toBe(2);
  });

  it('a recipient SendGrid refuses (past the hub\'s own address check) is 422 invalid_recipient and does not fail over', async () => {
    // The hub's address check (zod) takes a domain label ending in "-"; SendGrid's does not.
    const to = 'ann@bad-.example.com';
    const res = await send(to);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'invalid_recipient', provider: 'sendgrid', providerCode: 'personalizations.0.to.0.email', retryable: false });
    expect(sgRequests()).toBe(1);
    expect(sg.accepted).toHaveLength(0);
    expect(mgRequests()).toBe(0);
    expect(mg.accepted).toHaveLength(0);
    expect(smtp.accepted).toHaveLength(0);
  });

  it('SendGrid 429 with Retry-After: the transport waits as asked and retries SendGrid (a 429 was never processed); it succeeds there', async () => {
    sg.chaos.rateLimitNext = 1;
    sg.chaos.retryAfterSec = 1;
    const res = await send('slow@example.com');
    expect(res.status).toBe(200);
    expect(res.body.provider).toBe('sendgrid');
    expect(sgRequests()).toBe(2);
    expect(sgGot('slow@example.com')).toBe(1);
    expect(mgRequests()).toBe(0);

    const m = await metrics();
    expect(sample(m, 'switchboard_provider_calls_total', { provider: 'sendgrid', status: '429' })).toBe(1);
    expect(sample(m, 'switchboard_provider_calls_total', { provider: 'sendgrid', status: '202' })).toBe(1);
    expect(sample(m, 'switchboard_provider_retries_total', { provider: 'sendgrid' })).toBe(1);
    // The audit log's attempt times show the wait honoured Retry-After (a lower bound, not a duration).
    const attempts = () => t.hub.store.db.selectFrom('audit_log').select(['attempt', 'status', 'at']).where('provider', '=', 'sendgrid').orderBy('attempt').execute();
    await expect.poll(async () => (await attempts()).length).toBe(2);
    const [first, second] = await attempts();
    expect(first).toMatchObject({ attempt: 1, status: 429 });
    expect(second).toMatchObject({ attempt: 2, status: 202 });
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
  });

  it('SendGrid dropping the connection after accepting: the hub fails over to Mailgun — at-least-once, SendGrid kept its copy too', async () => {
    sg.chaos.dropAfterAcceptNext = 1;
    const res = await send('twice@example.com');
    expect(res.status).toBe(200);
    expect(res.body.provider).toBe('mailgun');
    // The outcome at SendGrid was unknown, so it was not sent there again (no idempotency key)…
    expect(sgRequests()).toBe(1);
    // …yet SendGrid had kept it: the recipient gets it from both (documented at-least-once).
    expect(sgGot('twice@example.com')).toBe(1);
    expect(mgGot('twice@example.com')).toBe(1);
    const m = await metrics();
    expect(sample(m, 'switchboard_provider_errors_total', { provider: 'sendgrid', code: 'provider_unavailable' })).toBe(1);
  });

  it('every provider failing → 502 all_providers_failed listing each provider and why', async () => {
    sg.chaos.errorRate = 1;
    mg.chaos.errorRate = 1;
    smtp.chaos.errorRate = 1; // 451 at MAIL FROM: never sent, so SMTP retries it per its policy first
    const res = await send('nobody@example.com');
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('all_providers_failed');
    expect(res.body.retryable).toBe(true);
    const causes = res.body.details.causes as { provider: string; code: string; message: string }[];
    expect(causes.map((c) => c.provider)).toEqual(['sendgrid', 'mailgun', 'smtp']);
    expect(causes.map((c) => c.code)).toEqual(['provider_unavailable', 'provider_unavailable', 'provider_unavailable']);
    for (const c of causes) expect(c.message).not.toBe('');
    for (const name of ['sendgrid', 'mailgun', 'smtp']) expect(res.body.detail).toContain(`${name}: `);
    expect(sg.accepted.length + mg.accepted.length + smtp.accepted.length).toBe(0);
    const got = await t.api(`/api/v1/integrations/email/${await lastMessageId(t)}`);
    expect(got.body).toMatchObject({ status: 'failed', error: { code: 'all_providers_failed' } });
  });
});

/** The newest message id in the store (a failed send answers a problem, not the id). */
async function lastMessageId(t: TestHub): Promise<string> {
  const row = await t.hub.store.db.selectFrom('email_messages').select('id').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return row.id;
}
