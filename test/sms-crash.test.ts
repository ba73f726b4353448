/**
 * Crash safety of bulk SMS with a real process: a hub sending a bulk job is killed with SIGKILL
 * mid-way, restarted on the same database, and finishes. Unlike email, nobody gets a text twice:
 * a message is durably `sending` before Twilio is asked, and one left `sending` by the crash is
 * looked up at Twilio (its Messages list) instead of being sent again. The Twilio emulator lives
 * in this test process, so what it accepted outlives the hub.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator } from '../src/providers/twilio/index.js';
import { startChildHub, type ChildHub } from './helpers/child-hub.js';

const KEY = 'sb_test_sms_crash_admin_key_0123456789ab';
let emu: TwilioEmulator;

beforeAll(async () => {
  emu = await startTwilioEmulator({ eventDelayMs: 1 });
});
afterAll(async () => {
  await emu?.close();
});

function hubEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SWITCHBOARD_API_KEY: KEY,
    SMS_PROVIDERS: 'twilio',
    TWILIO_ACCOUNT_SID: emu.credentials.accountSid,
    TWILIO_AUTH_TOKEN: emu.credentials.authToken,
    TWILIO_PHONE_NUMBER: emu.credentials.phoneNumber,
    TWILIO_API_BASE: emu.url,
    RATE_LIMIT_TWILIO: '150/s',
    QUEUE_POLL_MS: '50',
    QUEUE_LEASE_MS: '1000',
  };
}

function received(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of emu.messages.values()) if (m.resource.to.startsWith('+1628555')) counts.set(m.resource.to, (counts.get(m.resource.to) ?? 0) + 1);
  return counts;
}

async function progress(hub: ChildHub, id: string) {
  const res = await fetch(`${hub.url}/api/v1/jobs/${id}?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
  return (await res.json()) as { sent: number; failed: number; pending: number; status: string };
}

describe('a hub process killed in the middle of a bulk SMS send', () => {
  it('SIGKILL: after a restart every recipient has exactly one text', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-sms-crash-'));
    const n = 300;
    let hub = await startChildHub(hubEnv(dataDir));
    const recipients = Array.from({ length: n }, (_, i) => ({ phoneNumber: `+1628555${String(i).padStart(4, '0')}`, variables: { i } }));
    const res = await fetch(`${hub.url}/api/v1/integrations/sms/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Message {{i}}', recipients }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await expect.poll(() => received().size, { timeout: 20_000, interval: 5 }).toBeGreaterThan(60);
    await hub.stop('SIGKILL');
    expect(received().size).toBeLessThan(n); // killed mid-way for real
    hub = await startChildHub(hubEnv(dataDir));
    try {
      await expect.poll(async () => (await progress(hub, id)).status, { timeout: 30_000, interval: 100 }).toBe('completed');
      expect(await progress(hub, id)).toMatchObject({ sent: n, failed: 0, pending: 0 });
      const counts = received();
      expect(counts.size).toBe(n);
      expect([...counts.entries()].filter(([, c]) => c > 1)).toEqual([]);
      // Messages the kill left `sending` were looked up at Twilio, not sent blindly.
      const lookups = emu.state.requests.filter((r) => r.method === 'GET' && r.route.endsWith('/Messages.json'));
      expect(lookups.length).toBeGreaterThan(0);
    } finally {
      await hub.stop('SIGTERM');
    }
  });
});
