/**
 * Bulk sending through the REST API in sandbox mode: `POST /email/bulk` answers 202 with a job id,
 * the durable queue sends one message per recipient through the real SendGrid connector to its
 * emulator, and `GET /api/v1/jobs/:id` reports progress and per-recipient results. What was sent
 * is checked on the emulator (what it accepted, and when), not on the hub's word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const BULK = '/api/v1/integrations/email/bulk';

interface Progress {
  id: string;
  status: 'running' | 'completed';
  total: number;
  sent: number;
  failed: number;
  pending: number;
  results: { index: number; to: string; messageId: string; status: string; provider: string | null; error: { code: string } | null }[];
  nextOffset: number | null;
}

/** Polls the job until it completes; every observation must add up to the total. */
async function waitForCompletion(t: TestHub, id: string, seen: Progress[] = []): Promise<Progress> {
  await expect
    .poll(
      async () => {
        const res = await t.api(`/api/v1/jobs/${id}?limit=1`);
        expect(res.status).toBe(200);
        const p = res.body as Progress;
        expect(p.sent + p.failed + p.pending).toBe(p.total);
        seen.push(p);
        return p.status;
      },
      { timeout: 60_000, interval: 100 },
    )
    .toBe('completed');
  return seen.at(-1)!;
}

/** SendGrid messages accepted for each address. */
function byRecipient(sg: SendgridEmulator, prefix: string) {
  const out = new Map<string, SendgridEmulator['accepted']>();
  for (const m of sg.accepted) {
    const to = m.body.personalizations[0]!.to[0]!.email;
    if (!to.startsWith(prefix)) continue;
    out.set(to, [...(out.get(to) ?? []), m]);
  }
  return out;
}

const content = (m: SendgridEmulator['accepted'][number], type: string) => m.body.content?.find((c) => c.type === type)?.value;

describe('bulk email', () => {
  let t: TestHub;
  let sg: SendgridEmulator;

  beforeAll(async () => {
    // A limit far above what the test sends: pacing is the subject of its own hub below.
    t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid', RATE_LIMIT_SENDGRID: '100000/s' });
    sg = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('1,000 recipients with their own variables: 202 with a job id, progress adds up, each recipient gets exactly one message rendered with its own variables', { timeout: 90_000 }, async () => {
    const tpl = await t.api('/api/v1/integrations/email/templates', {
      body: { name: 'bulk-hello', subject: 'Hello {{first}}', text: 'Code {{code}} for {{first}}', html: '<p>{{first}}: <b>{{code}}</b></p>' },
    });
    expect(tpl.status).toBe(201);
    const n = 1000;
    const recipients = Array.from({ length: n }, (_, i) => ({ to: `thousand-${i}@example.com`, variables: { first: `Ann${i}`, code: `c-${i}-${(i * 7919) % 1000}` } }));
    const res = await t.api(BULK, { body: { templateId: 'bulk-hello', recipients } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^bulk_/), status: 'queued', total: n, suppressed: 0 });
    // The answer did not wait for the sends (a count, not a time).
    expect(byRecipient(sg, 'thousand-').size).toBeLessThan(n);

    const seen: Progress[] = [];
    const done = await waitForCompletion(t, res.body.id, seen);
    expect(done).toMatchObject({ id: res.body.id, status: 'completed', total: n, sent: n, failed: 0, pending: 0 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.sent).toBeGreaterThanOrEqual(seen[i - 1]!.sent);

    const got = byRecipient(sg, 'thousand-');
    expect(got.size).toBe(n);
    for (const [i, r] of recipients.entries()) {
      const messages = got.get(r.to)!;
      expect(messages, r.to).toHaveLength(1);
      const m = messages[0]!;
      expect(m.body.subject).toBe(`Hello Ann${i}`);
      expect(content(m, 'text/plain')).toBe(`Code ${r.variables.code} for Ann${i}`);
      expect(content(m, 'text/html')).toBe(`<p>Ann${i}: <b>${r.variables.code}</b></p>`);
      expect(m.body.personalizations[0]!.custom_args).toMatchObject({ batchId: res.body.id, index: String(i) });
    }
  });

  it('per-recipient results page with ?offset&limit: pages are disjoint and cover every recipient once', async () => {
    const n = 25;
    const recipients = Array.from({ length: n }, (_, i) => ({ to: `page-${i}@example.com` }));
    const res = await t.api(BULK, { body: { subject: 'Paged', text: 'hi {{name}}', recipients } });
    expect(res.status).toBe(202);
    await waitForCompletion(t, res.body.id);

    const indexes: number[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = await t.api(`/api/v1/jobs/${res.body.id}?offset=${offset}&limit=10`);
      expect(page.status).toBe(200);
      const p = page.body as Progress;
      expect(p.results.length).toBeLessThanOrEqual(10);
      for (const r of p.results) {
        expect(r).toMatchObject({ to: `page-${r.index}@example.com`, status: expect.stringMatching(/sent|processed|delivered/), provider: 'sendgrid', error: null, messageId: expect.stringMatching(/^msg_/) });
        indexes.push(r.index);
      }
      offset = p.nextOffset;
      pages++;
    }
    expect(pages).toBe(3);
    expect(indexes.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const beyond = await t.api(`/api/v1/jobs/${res.body.id}?offset=${n}&limit=10`);
    expect(beyond.body).toMatchObject({ total: n, results: [], nextOffset: null });
    const bad = await t.api(`/api/v1/jobs/${res.body.id}?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'limit' }] });
  });

  it('a suppressed recipient is reported failed with recipient_suppressed and never sent; the others are sent', async () => {
    const add = await t.api('/api/v1/integrations/email/suppressions', { body: { email: 'supp-1@example.com', reason: 'unsubscribe' } });
    expect(add.status).toBe(201);
    const recipients = [0, 1, 2].map((i) => ({ to: i === 1 ? 'Supp-1@Example.com' : `supp-${i}@example.com` }));
    const res = await t.api(BULK, { body: { subject: 'S', text: 'x', recipients } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ total: 3, suppressed: 1 });
    const done = await waitForCompletion(t, res.body.id);
    expect(done).toMatchObject({ total: 3, sent: 2, failed: 1, pending: 0 });
    const all = (await t.api(`/api/v1/jobs/${res.body.id}?limit=100`)).body as Progress;
    const blocked = all.results.find((r) => r.index === 1)!;
    expect(blocked).toMatchObject({ status: 'failed', provider: null, error: { code: 'recipient_suppressed' } });
    expect(all.results.filter((r) => r.status === 'failed')).toHaveLength(1);
    const got = byRecipient(sg, 'supp-');
    expect([...got.keys()].sort()).toEqual(['supp-0@example.com', 'supp-2@example.com']);
    expect(sg.accepted.some((m) => m.body.personalizations[0]!.to[0]!.email.toLowerCase() === 'supp-1@example.com')).toBe(false);
  });

  describe('validation (400 before anything is queued)', () => {
    const batches = async () => Number((await t.hub.store.db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('10,001 recipients → 400 naming recipients', async () => {
      const before = await batches();
      const recipients = Array.from({ length: 10_001 }, (_, i) => ({ to: `over-${i}@example.com` }));
      const res = await t.api(BULK, { body: { subject: 'Too many', text: 'x', recipients } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'recipients' })]);
      expect(res.body.detail).toContain('10000');
      expect(await batches()).toBe(before);
      expect(byRecipient(sg, 'over-').size).toBe(0);
    });

    it('a recipient missing a template variable → 400 naming recipients.N.variables.x', async () => {
      const before = await batches();
      const recipients = [
        { to: 'var-0@example.com', variables: { first: 'Ann', code: '1' } },
        { to: 'var-1@example.com', variables: { first: 'Bob', code: '2' } },
        { to: 'var-2@example.com', variables: { first: 'Cy' } },
      ];
      const res = await t.api(BULK, { body: { subject: 'Hi {{first}}', text: 'code {{code}}', recipients } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([{ field: 'recipients.2.variables.code', message: expect.any(String) }]);
      expect(await batches()).toBe(before);
    });

    it('a bad address or an empty list names the field', async () => {
      const bad = await t.api(BULK, { body: { subject: 'S', text: 'x', recipients: [{ to: 'ok@example.com' }, { to: 'not-an-address' }] } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['recipients.1.to']);
      const empty = await t.api(BULK, { body: { subject: 'S', text: 'x', recipients: [] } });
      expect(empty.status).toBe(400);
      expect(empty.body.errors.map((e: { field: string }) => e.field)).toEqual(['recipients']);
    });
  });
});

/*
 * Pacing. The bucket holds `limit` tokens, so RATE_LIMIT_SENDGRID=50/s allows a burst of 50 and
 * then 50/s; with 100 recipients only 50 are paced, and the hub's own unpaced speed on a busy
 * 2-core machine (~100 sends/s with webhooks coming back) passes the same bounds — checked with a
 * mutant at 100000/s. A lower limit with 3× its burst in recipients tells paced from unpaced.
 */
const RATE = 20;
describe(`bulk pacing under RATE_LIMIT_SENDGRID=${RATE}/s`, () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid', RATE_LIMIT_SENDGRID: `${RATE}/s` });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`${3 * RATE} recipients: the emulator's acceptance times stay under the token-bucket envelope (burst ${RATE} + ${RATE}/s)`, { timeout: 30_000 }, async () => {
    const sg = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
    const rate = RATE;
    const burst = RATE;
    const n = 3 * RATE;
    const res = await t.api(BULK, { body: { subject: 'Paced', text: 'x', recipients: Array.from({ length: n }, (_, i) => ({ to: `paced-${i}@example.com` })) } });
    expect(res.status).toBe(202);
    await waitForCompletion(t, res.body.id);

    const times = [...byRecipient(sg, 'paced-').values()].map((ms) => ms[0]!.acceptedAt).sort((a, b) => a - b);
    expect(times).toHaveLength(n);
    // Any span [times[i], times[j]] holds at most burst + rate × span messages. The slack covers
    // the ms between the hub taking a token and the emulator recording the request (4 tokens = 200 ms).
    const slack = 4;
    let worst = { excess: -Infinity, i: 0, j: 0 };
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const excess = j - i + 1 - (burst + (rate * (times[j]! - times[i]!)) / 1000);
        if (excess > worst.excess) worst = { excess, i, j };
      }
    }
    expect(worst.excess, `messages ${worst.i}..${worst.j} within ${times[worst.j]! - times[worst.i]!} ms`).toBeLessThanOrEqual(slack);
    // No 1-second window holds more than the burst plus one second of refill…
    for (const start of times) expect(times.filter((x) => x >= start && x < start + 1000).length).toBeLessThanOrEqual(burst + rate + slack);
    // …and the pacing really happened: what exceeded the burst took (n - burst) / rate seconds.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(((n - burst - slack) / rate) * 1000);
  });
});
