/**
 * A new category and a new provider touch their own folders and one line in each registry, and no
 * other file. This suite plays that out with a toy: the `echo` category and the `parrot` provider
 * (with its own emulator) are declared here, in this file only, and put into a temporary category
 * list and provider catalog handed to `createHub`. Everything the hub does for a category then
 * works for it with no generic file edited: its chain variable (`ECHO_PROVIDERS`), its settings,
 * its scope on its REST route, its error code, its event type, connectors over the one transport
 * (auth as manifest data), failover by its policy, verified webhooks through its sink into the
 * unified event stream, health, its service on the hub, its own table (a migration it declares)
 * and its bulk work at the one jobs route.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCategory, type CategoryContext } from '../src/categories/category.js';
import type { BatchProgress, BatchRef } from '../src/categories/jobs.js';
import { CATEGORIES } from '../src/categories/registry.js';
import { errorCode, HubError, registerErrorCodes } from '../src/core/errors.js';
import { tenantOf } from '../src/kit/api.js';
import { ProviderCatalog } from '../src/kit/catalog.js';
import { defineProvider } from '../src/kit/connector.js';
import { hmacSha256, safeEqual } from '../src/kit/webhook-verify.js';
import { PROVIDERS } from '../src/providers/registry.js';
import { openStore } from '../src/store/store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

// ── categories/echo/ ───────────────────────────────────────────────────────────────────────────
interface EchoProvider {
  say(text: string): Promise<{ id: string; echoed: string }>;
}
declare module '../src/kit/connector.js' {
  interface CategoryContracts {
    echo: EchoProvider;
  }
}
interface EchoSaidTable {
  id: string;
  tenant_id: string;
  batch_id: string | null;
  text: string;
}
declare module '../src/store/schema.js' {
  interface Database {
    echo_said: EchoSaidTable;
  }
}
declare module '../src/categories/category.js' {
  interface CategoryServices {
    echo?: EchoService;
  }
}
const ECHO_ERRORS = registerErrorCodes({ echo_refused: errorCode(422, false, false, 'The parrot will not say that.') });
declare module '../src/core/errors.js' {
  interface ErrorCodeExtensions {
    echo_refused: true;
  }
}

class EchoService {
  constructor(private readonly ctx: CategoryContext<{ ECHO_PREFIX: string }>) {}
  async say(tenantId: string, text: string) {
    if (/swear/.test(text)) throw new HubError('echo_refused', 'text: the parrot will not say that');
    const { provider, value } = await this.ctx.failover(async (p) => (await this.ctx.connections.connector(tenantId, p, 'echo')).say(`${this.ctx.settings.ECHO_PREFIX}${text}`));
    return { provider, ...value };
  }
  /** Says every text, kept in the category's own table under one batch. */
  async chorus(tenantId: string, texts: string[]) {
    const batchId = `chorus_${Date.now()}`;
    await this.ctx.store.write((trx) => trx.insertInto('batches').values({ id: batchId, tenant_id: tenantId, type: 'echo.chorus', total: texts.length, meta: '{}', created_at: Date.now() }).execute());
    for (const [i, text] of texts.entries()) {
      await this.say(tenantId, text);
      await this.ctx.store.write((trx) => trx.insertInto('echo_said').values({ id: `${batchId}_${i}`, tenant_id: tenantId, batch_id: batchId, text }).execute());
    }
    return { id: batchId };
  }
  async progress(batch: BatchRef): Promise<BatchProgress> {
    const rows = await this.ctx.store.db.selectFrom('echo_said').selectAll().where('batch_id', '=', batch.id).orderBy('id').execute();
    return {
      id: batch.id, type: batch.type, status: rows.length === batch.total ? 'completed' : 'running', total: batch.total, sent: rows.length, failed: 0, pending: batch.total - rows.length,
      createdAt: new Date(batch.createdAt).toISOString(), nextOffset: null,
      results: rows.map((r, index) => ({ index, to: 'parrot', messageId: r.id, status: 'said', provider: 'parrot', error: null })),
    };
  }
}

const echoRoutes =
  (echo: EchoService): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/echo', { config: { scope: 'echo:send' }, schema: { tags: ['echo'], summary: 'Say something' } }, async (req) => echo.say(tenantOf(req), String((req.body as { text?: unknown }).text)));
    app.post('/api/v1/echo/chorus', { config: { scope: 'echo:send' }, schema: { tags: ['echo'], summary: 'Say several things' } }, async (req) => echo.chorus(tenantOf(req), (req.body as { texts: string[] }).texts));
  };

const echoCategory = defineCategory({
  name: 'echo',
  title: 'Echo',
  failover: 'retryable',
  settings: z.object({ ECHO_PREFIX: z.string().default('') }),
  errorCodes: ECHO_ERRORS,
  eventTypes: { echo: { 'echo.heard': 'The parrot heard something (`data.text`).' } },
  scopes: { 'echo:send': 'Make the parrot talk' },
  migrations: {
    'echo-001-said': () => ({
      async up(db) {
        await db.schema.createTable('echo_said').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('batch_id', 'text').addColumn('text', 'text', (c) => c.notNull()).execute();
      },
    }),
  },
  create(ctx) {
    const service = new EchoService(ctx);
    return {
      service,
      jobs: { 'echo.chorus': (batch) => service.progress(batch) },
      routes: [echoRoutes(service)],
      sinks: [
        async (provider, inbound, origin) => {
          for (const e of inbound.filter((i) => i.type.startsWith('echo.'))) {
            await ctx.events.recordNow({ tenantId: origin.tenantId, type: e.type, provider, dedupeKey: e.providerEventId, occurredAt: e.occurredAt, data: e.data, raw: e.raw });
          }
        },
      ],
    };
  },
});

// ── providers/parrot/ (manifest as data, a small connector, webhooks, an emulator) ─────────────
const SECRET = 'parrot-webhook-secret';
async function startParrotEmulator() {
  const said: string[] = [];
  const apiKey = 'parrot_sandbox_key';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}');
        return;
      }
      const { text } = JSON.parse(body) as { text: string };
      said.push(text);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `say_${said.length}`, echoed: text }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { apiKey, webhookSecret: SECRET },
    webhookSecret: SECRET,
    accepted: said as unknown[],
    chaos: { errorRate: 0, latencyMs: 0, rateLimitNext: 0, retryAfterSec: 1, dropAfterAcceptNext: 0 },
    setWebhookTarget: () => {},
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const parrot = defineProvider({
  manifest: {
    id: 'parrot', name: 'Parrot', categories: ['echo'], docsUrl: 'https://parrot.example/docs',
    auth: { type: 'bearer', token: '{apiKey}' }, baseUrl: 'https://api.parrot.example',
    env: { apiKey: 'PARROT_API_KEY', webhookSecret: 'PARROT_WEBHOOK_SECRET' },
    credentials: z.object({ apiKey: z.string().min(1), webhookSecret: z.string().optional() }),
    liveWhen: ['apiKey'], secretFields: ['apiKey', 'webhookSecret'],
    mapError: (res) => new HubError('provider_error', `parrot answered ${res.status}`, { provider: 'parrot', providerStatus: res.status }),
  },
  echo: (ctx) => ({
    async say(text) {
      const res = await ctx.http.request({ method: 'POST', path: '/v1/say', body: { text }, operation: 'echo.say' });
      return res.json<{ id: string; echoed: string }>();
    },
  }),
  webhooks: {
    secretFields: ['webhookSecret'],
    signatureHeaders: ['x-parrot-signature'],
    verify({ rawBody, headers, secrets }) {
      const given = headers['x-parrot-signature'];
      if (!given) throw new HubError('webhook_signature_missing', 'no X-Parrot-Signature');
      if (!secrets.some((s) => safeEqual(hmacSha256(s, rawBody).toString('hex'), given))) throw new HubError('webhook_signature_invalid', 'X-Parrot-Signature does not match');
    },
    parse(rawBody) {
      const e = JSON.parse(rawBody.toString('utf8')) as { id: string; text: string; at: number };
      return [{ providerEventId: e.id, type: 'echo.heard', occurredAt: e.at, ref: {}, data: { text: e.text }, raw: e }];
    },
  },
  startEmulator: startParrotEmulator,
});

// ── the temporary registries: one line each ───────────────────────────────────────────────────
const categories = [...CATEGORIES, echoCategory];
const catalog = new ProviderCatalog([...PROVIDERS, parrot]);

describe('a toy category and provider, declared in their own folder and one registry line each', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ ECHO_PROVIDERS: 'parrot', ECHO_PREFIX: '🦜 ', EMAIL_PROVIDERS: 'smtp', PAYMENT_PROVIDERS: 'stripe' }, { categories, catalog });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the category over REST with its own scope, through the connector, the transport and the emulator', async () => {
    const res = await t.api('/api/v1/echo', { body: { text: 'hello' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ provider: 'parrot', id: 'say_1', echoed: '🦜 hello' });
    expect(t.hub.connections.emulator('parrot')!.accepted).toEqual(['🦜 hello']);
    expect(t.hub.chains.echo).toEqual(['parrot']);
    expect(t.hub.echo).toBeDefined();
    const audit = await t.hub.store.db.selectFrom('audit_log').selectAll().where('provider', '=', 'parrot').execute();
    expect(audit.map((a) => [a.operation, a.status])).toEqual([['echo.say', 200]]);

    const narrow = await t.hub.apiKeys.create({ name: 'email-only', scopes: ['email:send'] });
    expect((await t.as(narrow.key, '/api/v1/echo', { text: 'x' })).status).toBe(403);
    const parrotOnly = await t.hub.apiKeys.create({ name: 'parrot', scopes: ['echo:send'] });
    expect((await t.as(parrotOnly.key, '/api/v1/echo', { text: 'x' })).status).toBe(200);
    await expect(t.hub.apiKeys.create({ name: 'typo', scopes: ['echo:sned'] })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('answers its own error code with its own status, and lists its route in OpenAPI', async () => {
    const res = await t.api('/api/v1/echo', { body: { text: 'swear' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('echo_refused');
    const spec = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/api/v1/echo');
  });

  it('verifies its webhooks and turns them into unified events through its sink', async () => {
    const body = JSON.stringify({ id: 'evt_1', text: 'polly', at: Date.parse('2026-12-01T00:00:00Z') });
    const post = (signature: string) => fetch(`${t.url}/webhooks/parrot`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-parrot-signature': signature }, body });
    expect((await post(createHmac('sha256', 'wrong').update(body).digest('hex'))).status).toBe(401);
    expect((await post(createHmac('sha256', SECRET).update(body).digest('hex'))).status).toBe(200);
    await expect.poll(async () => (await t.api('/api/v1/events?type=echo.heard')).body.data, { timeout: 5000 }).toEqual([expect.objectContaining({ type: 'echo.heard', provider: 'parrot', data: { text: 'polly' } })]);
    const stored = await t.hub.store.db.selectFrom('webhook_inbox').select('headers').where('provider', '=', 'parrot').executeTakeFirstOrThrow();
    expect(stored.headers).not.toContain('x-parrot-signature');
  });

  it('keeps its rows in a table its own migration made, and answers its bulk work at the one jobs route', async () => {
    const started = await t.api('/api/v1/echo/chorus', { body: { texts: ['one', 'two'] } });
    expect(started.status).toBe(200);
    const job = await t.api(`/api/v1/jobs/${started.body.id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ type: 'echo.chorus', status: 'completed', total: 2, sent: 2, pending: 0 });
    const applied = await t.hub.store.db.selectFrom('kysely_migration_echo' as never).select('name' as never).execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual(['echo-001-said']);
    // A process that opens the same store without the category (a CLI command) neither runs nor trips over its history.
    const plain = await openStore({ databaseUrl: `sqlite:${t.hub.store.location}` });
    expect(await plain.migrate()).toEqual([]);
    await plain.close();
    expect((await t.api('/api/v1/jobs/chorus_nope')).status).toBe(404);
  });

  it('a migration not named after its category is refused at start', async () => {
    const stray = defineCategory({ ...echoCategory, name: 'echo', migrations: { '010-said': echoCategory.migrations!['echo-001-said']! } });
    await expect(startTestHub({ ECHO_PROVIDERS: 'parrot' }, { categories: [...CATEGORIES, stray], catalog })).rejects.toThrow(/migration "010-said" must be named "echo-NNN-what"/);
  });

  it('shows in health under its category', async () => {
    const health = (await (await fetch(`${t.url}/api/v1/integrations/health`)).json()) as { integrations: unknown[] };
    expect(health.integrations).toContainEqual(expect.objectContaining({ provider: 'parrot', type: 'echo', mode: 'sandbox' }));
  });

  it('reads its chain variable like any category: an unknown provider is refused at start, naming ECHO_PROVIDERS', async () => {
    await expect(startTestHub({ ECHO_PROVIDERS: 'sendgrid' }, { categories, catalog })).rejects.toThrow(/ECHO_PROVIDERS: unknown provider\(s\) sendgrid; known: parrot/);
  });
});
