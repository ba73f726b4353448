/**
 * A proxied GET through the hub (`GET /api/v1/proxy/:connectionId/user`: API key and scope, the
 * tenant's connection, the host guard, the connection's transport with its OAuth token, rate
 * limit, breaker, metrics and audit row, the answer streamed back) vs the same GET straight to the
 * emulator (`GET /github/api/user` on the sandbox authorization server, with the same token),
 * measured in the same run: full speed, the added p50 at a fixed rate, and with the emulator
 * answering after a vendor-like delay (`throughHubVsDirect` of bench/payments.ts).
 *
 * The sandbox hub runs in a process of its own; its GitHub connection is made through the real
 * connect flow (auto-approved) before the runs.
 *
 * @example
 * const figures = await benchProxy(); // called from bench/run.ts: { hub, baseline, ratio, addedP50Ms, … }
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHub } from '../src/hub.js';
import { benchThroughHub, serveSandboxHub, type ThroughHubFigures } from './payments.js';
import type { RequestSpec } from './requests.js';

const APP = 'https://bench.example.com';

async function setupProxy() {
  const hub = await createHub({
    env: {
      MOCK_EXTERNAL_APIS: 'true',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-proxy-')),
      RATE_LIMIT_GITHUB: '1000000/s',
      SWITCHBOARD_AUTH_REDIRECTS: APP,
      SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true',
      EMAIL_PROVIDERS: 'smtp',
    },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench', tenantId: 'bench' });
  const started = await fetch(`${url}/api/v1/connections/oauth/start`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'github', redirectUrl: APP }) });
  const consent = await fetch(((await started.json()) as { authorizeUrl: string }).authorizeUrl, { redirect: 'manual' });
  const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  const connectionId = new URL(back.headers.get('location')!).searchParams.get('connectionId');
  if (!connectionId) throw new Error(`bench/proxy: connecting GitHub failed: ${back.headers.get('location')}`);
  const connection = (await hub.connections.byId(connectionId))!;
  const emulator = new URL(connection.baseUrl);
  const viaHub: RequestSpec = { kind: 'static', method: 'GET', path: `/api/v1/proxy/${connectionId}/user`, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } };
  const direct: RequestSpec = { kind: 'static', method: 'GET', path: `${emulator.pathname}/user`, headers: { authorization: `Bearer ${connection.tokens!.accessToken}`, accept: 'application/json' } };
  return { hub, info: { url, emulatorUrl: emulator.origin, viaHub, direct }, providers: ['github'] };
}

export async function benchProxy(): Promise<ThroughHubFigures> {
  console.log('');
  return benchThroughHub('proxied GET: hub vs direct to the emulator', fileURLToPath(import.meta.url));
}

if (process.argv[2] === 'child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveSandboxHub(setupProxy).catch((err: unknown) => (console.error(err), process.exit(1)));
}
