/**
 * `switchboard start`, `migrate`, `health`. The hub and the store load only when a command needs
 * them, so `--help`, `health` and errors answer at once.
 */
import { Command } from 'commander';
import { hubFetch, hubUrl, readJson } from './hub-client.js';

/** How to get an API key, as the banner says it. */
export const CREATE_KEY = "`npx switchboard keys create --name me --scopes '*'` (or narrower scopes, e.g. email:send,jobs:read)";

export function startCommand(): Command {
  return new Command('start')
    .description('Start the hub (REST API, workers, and emulators for providers without credentials)')
    .option('-p, --port <port>', 'port (default PORT or 3001)')
    .action(async (opts: { port?: string }) => {
      const { createHub } = await import('../hub.js');
      const hub = await createHub();
      const url = await hub.listen({ port: opts.port ? Number(opts.port) : undefined });
      let keyLine = '';
      if (!hub.config.apiKey && (await hub.apiKeys.count()) === 0) {
        const sandbox = hub.config.forceSandbox || Object.values(hub.chains).flat().every((p) => hub.connections.defaultConnection(p)?.mode !== 'live');
        if (sandbox) {
          const { key } = await hub.apiKeys.create({ name: 'sandbox-bootstrap', scopes: ['*'], sandbox: true });
          keyLine = `  API key (sandbox, created now, shown once): ${key}\n`;
        } else keyLine = `  No API key exists: create one with ${CREATE_KEY}\n`;
      } else keyLine = `  API key: ${hub.config.apiKey ? 'SWITCHBOARD_API_KEY' : 'one exists already (keys are shown only when created)'}; for another: ${CREATE_KEY}\n`;
      const modes = (ids: string[]) => ids.map((p) => `${p}:${hub.connections.defaultConnection(p)?.mode ?? 'not configured'}`).join(' ');
      console.log(
        `\nSwitchboard listening on ${url.replace('127.0.0.1', 'localhost')} (store: ${hub.store.dialect} ${hub.store.location})\n` +
          Object.entries(hub.chains).map(([category, ids]) => `  ${category} providers: ${modes(ids)}\n`).join('') + keyLine +
          `  docs: ${url}/docs   health: ${url}/api/v1/integrations/health   metrics: ${url}/metrics\n`,
      );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        hub.logger.info({ signal }, 'shutting down: finishing running jobs');
        await hub.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}

export function migrateCommand(): Command {
  return new Command('migrate').description('Apply database migrations (also done at start)').action(async () => {
    const [{ loadConfig }, { Store }] = await Promise.all([import('../core/config.js'), import('../store/store.js')]);
    const config = loadConfig();
    const store = new Store({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const applied = await store.migrate();
    console.log(`${store.dialect} ${store.location}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    await store.close();
  });
}

export function healthCommand(): Command {
  return new Command('health')
    .description('Show the health of a running hub')
    .option('--url <url>', 'hub URL (default: SWITCHBOARD_URL, else http://127.0.0.1:$PORT, PORT default 3001)')
    .action(async (opts: { url?: string }) => {
      const base = hubUrl(opts.url);
      const res = await hubFetch(base, '/api/v1/integrations/health');
      const body = await readJson<{ status: string; integrations: { provider: string; status: string; mode: string | null; last_error: { message: string } | null }[] }>(res);
      if (!body.integrations) throw new Error(`${base}/api/v1/integrations/health: ${body.detail ?? `HTTP ${res.status}`}; is SWITCHBOARD_URL a Switchboard hub?`);
      console.log(`hub: ${body.status}`);
      for (const i of body.integrations) console.log(`  ${i.provider.padEnd(10)} ${i.status.padEnd(15)} ${i.mode ?? ''}${i.last_error ? `  last error: ${i.last_error.message}` : ''}`);
      if (!res.ok) process.exitCode = 1;
    });
}
