/**
 * `switchboard start` and the first API key, with real hub processes: in sandbox mode with no
 * SWITCHBOARD_API_KEY and no key stored, start prints a generated key that works (once: a restart
 * on the same data prints none); with SWITCHBOARD_API_KEY set, that key works and none is printed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildHub, type ChildHub } from './helpers/child-hub.js';

const KEY_LINE = /API key \(sandbox, created now, shown once\): (\S+)/;
const CONFIGURED_KEY = 'sb_test_configured_bootstrap_key_0123456789';
const tempDir = () => mkdtempSync(join(tmpdir(), 'sb-bootstrap-'));

/** The start banner is printed after "listening on"; wait for its last line. */
async function banner(hub: ChildHub): Promise<string> {
  await expect.poll(() => hub.output(), { timeout: 5_000, interval: 20 }).toMatch(/docs: http/);
  return hub.output();
}

async function status(hub: ChildHub, key: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(hub.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** SIGTERM; true when the process is gone within `ms`. */
async function stopWithin(hub: ChildHub, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([hub.stop('SIGTERM').then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const SEND = '/api/v1/integrations/email/send';
const message = { to: 'first@example.com', subject: 'first', text: 'hello' };

describe('switchboard start: the first API key', () => {
  const hubs: ChildHub[] = [];
  const sandboxDir = tempDir();
  let generated: ChildHub;
  let configured: ChildHub;
  beforeAll(async () => {
    // Both processes start at once (each takes a few seconds).
    const start = async (env: Record<string, string>) => {
      const hub = await startChildHub(env);
      hubs.push(hub); // stopped in afterAll even when the other one failed to start
      return hub;
    };
    [generated, configured] = await Promise.all([start({ DATA_DIR: sandboxDir }), start({ DATA_DIR: tempDir(), SWITCHBOARD_API_KEY: CONFIGURED_KEY })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hubs.map(async (h) => (await stopWithin(h, 15_000)) || (await h.stop('SIGKILL'))));
  }, 40_000);

  it('sandbox, no key: prints a generated sb_test_ key with every scope; a restart prints none and the key still works', { timeout: 60_000 }, async () => {
    const out = await banner(generated);
    expect(out).toMatch(/email providers: sendgrid:sandbox mailgun:sandbox smtp:sandbox/);
    const key = KEY_LINE.exec(out)?.[1];
    expect(key, out).toMatch(/^sb_test_[A-Za-z0-9_-]{43}$/);
    expect(await status(generated, key!, SEND, message)).toBe(200);
    expect(await status(generated, key!, '/api/v1/connections')).toBe(200);
    expect(await status(generated, `${key!.slice(0, -2)}${key!.endsWith('xx') ? 'yy' : 'xx'}`, '/api/v1/connections')).toBe(401);

    // A graceful stop right after requests is quick (keep-alive connections do not hold it for 72 s).
    expect(await stopWithin(generated, 15_000), 'SIGTERM took more than 15 s').toBe(true);
    expect(generated.proc.exitCode).toBe(0);
    const again = await startChildHub({ DATA_DIR: sandboxDir });
    hubs.push(again);
    const out2 = await banner(again);
    expect(out2).not.toMatch(KEY_LINE);
    expect(out2).not.toMatch(/sb_(live|test)_/);
    expect(out2).toContain("API key: one exists already (keys are shown only when created); for another: `npx switchboard keys create --name me --scopes '*'`");
    expect(await status(again, key!, '/api/v1/connections')).toBe(200);
  });

  it('SWITCHBOARD_API_KEY set: that key works and no key is printed', async () => {
    const out = await banner(configured);
    expect(out).not.toMatch(KEY_LINE);
    expect(out).not.toContain(CONFIGURED_KEY); // the configured secret is not echoed either
    expect(out).toContain('API key: SWITCHBOARD_API_KEY; for another: `npx switchboard keys create');
    expect(await status(configured, CONFIGURED_KEY, SEND, message)).toBe(200);
    expect(await status(configured, CONFIGURED_KEY, '/api/v1/connections')).toBe(200);
    expect(await status(configured, 'sb_test_not_the_configured_key_0123456789', '/api/v1/connections')).toBe(401);
  });
});
