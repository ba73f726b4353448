/**
 * `switchboard email bulk` sends once, whatever the network does (real CLI, real sandbox hub, a
 * flaky proxy between them): a lost answer to the bulk request is asked again with the same
 * Idempotency-Key (one job), and while watching progress a dropped connection, a 503 and a hub
 * that is gone for a moment (connection refused) only make it keep watching the same job id. The
 * scopes the README gives (`email:send,jobs:read`) are enough; a key without `jobs:read` is
 * refused before anything is sent.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendgridEmulator } from '../providers/sendgrid/emulator/server.js';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { runCli } from '../../test/helpers/cli.js';

const SLOW = { timeout: 120_000 };
const dir = mkdtempSync(join(tmpdir(), 'sb-cli-resume-'));
const csv = (name: string, emails: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `email,name\n${emails.map((e) => `${e},${e.split('@')[0]}`).join('\n')}\n`);
  return path;
};

type Fault = 'drop' | '503' | 'lose-answer' | 'down';
/** A proxy to the hub that applies the next planned fault to matching requests. */
class FlakyProxy {
  readonly seen: string[] = [];
  private server: Server = createServer((req, res) => void this.handle(req, res));
  private port = 0;
  constructor(
    private readonly target: string,
    readonly plan: { match: RegExp; fault: Fault }[],
  ) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const line = `${req.method} ${req.url}`;
    this.seen.push(line);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const i = this.plan.findIndex((p) => p.match.test(line));
    const fault = i >= 0 ? this.plan.splice(i, 1)[0]!.fault : undefined;
    if (fault === 'drop') return void req.socket.destroy();
    if (fault === '503') return void res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
    if (fault === 'down') {
      // The hub "restarts": this connection dies and nothing listens for a moment.
      req.socket.destroy();
      await this.close();
      this.server = createServer((q, s) => void this.handle(q, s));
      setTimeout(() => void this.listen(), 1_500);
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const answer = await fetch(this.target + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await answer.arrayBuffer());
    if (fault === 'lose-answer') return void req.socket.destroy(); // the hub did the work; the answer is lost
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
  }
}

let t: TestHub;
let sg: SendgridEmulator;
beforeAll(async () => {
  t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid', RATE_LIMIT_SENDGRID: '10000/s' });
  sg = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
});
afterAll(async () => {
  await t?.close();
});

const received = (to: string) => sg.accepted.filter((m) => m.body.personalizations[0]!.to[0]!.email === to).length;
const batches = async () => (await t.hub.store.db.selectFrom('batches').select('id').execute()).length;

describe('switchboard email bulk through a flaky network', () => {
  it('a lost answer, then a drop, a 503 and a hub gone for a moment while watching: one job, each row sent once, exit 0', SLOW, async () => {
    const emails = ['r1@example.com', 'r2@example.com', 'r3@example.com'];
    const proxy = new FlakyProxy(t.url, [
      { match: /^POST .*\/email\/bulk/, fault: 'lose-answer' },
      { match: /^GET \/api\/v1\/jobs\/bulk_01\w+\?limit=1$/, fault: 'drop' },
      { match: /^GET \/api\/v1\/jobs\/bulk_01\w+\?limit=1$/, fault: '503' },
      { match: /^GET \/api\/v1\/jobs\/bulk_01\w+\?limit=1$/, fault: 'down' },
    ]);
    await proxy.listen();
    const before = await batches();
    try {
      const key = (await t.hub.apiKeys.create({ name: 'readme-scopes', scopes: ['email:send', 'jobs:read'] })).key;
      const run = await runCli(['email', 'bulk', '--csv', csv('flaky.csv', emails), '--template', 'welcome', '--poll-ms', '50'], { SWITCHBOARD_URL: proxy.url, SWITCHBOARD_API_KEY: key });
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.plan, 'every fault happened').toEqual([]);
      expect(proxy.seen.filter((l) => l.startsWith('POST')).length).toBe(2); // asked again after the lost answer
      expect(run.stderr).toContain('asking again with the same Idempotency-Key');
      expect(run.stderr).toMatch(/lost contact with the hub at http:\/\/127\.0\.0\.1:\d+ while watching job bulk_\w+ \(.+\); still watching the same job/);
      expect(run.stdout).toMatch(/^job bulk_\w+: done, 3 sent, 0 failed/m);
      const ids = new Set([...(run.stdout + run.stderr).matchAll(/job (bulk_\w+)/g)].map((m) => m[1]));
      expect(ids.size).toBe(1);
      expect(await batches()).toBe(before + 1);
      for (const e of emails) expect(received(e), e).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('--job watches an existing job and sends nothing', SLOW, async () => {
    const started = await t.api('/api/v1/integrations/email/bulk', { body: { templateId: 'welcome', recipients: [{ to: 'j1@example.com' }] } });
    await expect.poll(async () => (await t.api(`/api/v1/jobs/${started.body.id}`)).body.status, { timeout: 20_000 }).toBe('completed');
    const sentBefore = sg.accepted.length;
    const run = await runCli(['email', 'bulk', '--csv', csv('job.csv', ['j1@example.com']), '--job', started.body.id, '--poll-ms', '50'], { SWITCHBOARD_URL: t.url, SWITCHBOARD_API_KEY: t.key });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`job ${started.body.id}: done, 1 sent`);
    await new Promise((r) => setTimeout(r, 200));
    expect(sg.accepted.length).toBe(sentBefore);
  });

  it('a key without jobs:read is refused before anything is sent, with the scopes to ask for', SLOW, async () => {
    const key = (await t.hub.apiKeys.create({ name: 'send-only', scopes: ['email:send'] })).key;
    const before = await batches();
    const run = await runCli(['email', 'bulk', '--csv', csv('noscope.csv', ['n1@example.com']), '--template', 'welcome'], { SWITCHBOARD_URL: t.url, SWITCHBOARD_API_KEY: key });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lacks the scope "jobs:read"');
    expect(run.stderr).toContain('npx switchboard keys create --name bulk --scopes email:send,jobs:read');
    expect(run.stderr).toContain('nothing was sent');
    expect(await batches()).toBe(before);
    expect(received('n1@example.com')).toBe(0);
  });
});
