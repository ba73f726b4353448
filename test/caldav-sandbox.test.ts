/**
 * The CalDAV sandbox on a hub: with no CALDAV_* variables the default connection runs against a
 * Radicale the hub starts when first used, and stops when it closes; a Radicale whose parent is
 * killed (SIGKILL, no chance to close it) goes too; without Radicale the reason names the fix.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { failure } from './helpers/hub-error.js';
import { inCi, radicaleInstalled } from './helpers/radicale.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { caldav, startRadicaleEmulator, type RadicaleEmulator } from '../src/providers/caldav/index.js';
import { PROVIDERS } from '../src/providers/registry.js';
import { ProviderCatalog } from '../src/kit/catalog.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe.skipIf(!radicaleInstalled && !inCi)('caldav sandbox: Radicale started and stopped by the hub', () => {
  let t: TestHub | undefined;
  afterAll(() => t?.close());

  it('the default connection works with no set-up, and Radicale stops with the hub', async () => {
    t = await startTestHub();
    const calendar = await t.hub.connections.connector('default', 'caldav', 'calendar');
    const calendars = await calendar.listCalendars();
    expect(calendars.filter((c) => c.primary).map((c) => c.name)).toEqual(['Calendar']);
    const made = await calendar.createEvent('primary', { summary: 'Sandbox', start: '2027-02-01T09:00:00Z', end: '2027-02-01T10:00:00Z' });
    expect((await calendar.getEvent('primary', made.eventId)).summary).toBe('Sandbox');
    const radicale = t.hub.connections.emulator('caldav') as RadicaleEmulator;
    expect(alive(radicale.pid)).toBe(true);
    await t.close();
    t = undefined;
    expect(alive(radicale.pid)).toBe(false);
  });

  it('a Radicale whose parent process was killed exits by itself', async () => {
    const script = `import { startRadicaleEmulator } from './src/providers/caldav/index.ts'; const r = await startRadicaleEmulator(); console.log('PID ' + r.pid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /PID (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`the child exited (${code}) before starting Radicale: ${out}`)));
    });
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await gone(pid, 5000)).toBe(true);
  }, 30_000);
});

describe('caldav sandbox without Radicale', () => {
  it('is not_configured, naming the package and the variables', async () => {
    const err = await failure(startRadicaleEmulator({ python: '/bin/false' }));
    expect(err.code).toBe('not_configured');
    expect(err.message).toMatch(/apt-get install radicale/);
    expect(err.message).toMatch(/CALDAV_URL/);
  });

  it('a hub starts anyway: the other emulators run, caldav answers not_configured with the fix, and health shows it', async () => {
    // The registry's caldav, with a Python that has no Radicale.
    const noRadicale = { ...caldav, startEmulator: () => startRadicaleEmulator({ python: '/bin/false' }) };
    const catalog = new ProviderCatalog(PROVIDERS.map((p) => (p.manifest.id === 'caldav' ? noRadicale : p)));
    const h = await startTestHub({}, { catalog });
    try {
      expect(h.hub.connections.emulator('zoom')).toBeDefined();
      const err = await failure(h.hub.connections.connector('default', 'caldav', 'calendar'));
      expect([err.code, err.status]).toEqual(['not_configured', 503]);
      expect(err.message).toMatch(/install radicale \(apt-get install radicale\) or set CALDAV_URL/);
      const rest = await h.api('/api/v1/calendar/calendars?provider=caldav');
      expect([rest.status, rest.body.code]).toEqual([503, 'not_configured']);
      const health = await h.api('/api/v1/integrations/health');
      expect(JSON.stringify(health.body)).toMatch(/apt-get install radicale/);
    } finally {
      await h.close();
    }
  });
});
