/**
 * The bench's durable floor (`bench/floor.ts`) is a baseline the hub's ingest ratio is read
 * against, so it must really do the durable minimum: accept what the Standard Webhooks reference
 * library signs, refuse a bad or stale signature, store each accepted webhook once (its id is the
 * de-duplication key), and answer only after the commit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { durableFloor } from '../bench/floor.js';

describe('bench durable floor', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function start() {
    const dir = mkdtempSync(join(tmpdir(), 'sb-floor-'));
    dirs.push(dir);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return { floor: durableFloor(dir, secret), signer: new Webhook(secret) };
  }
  const post = (floor: ReturnType<typeof durableFloor>, headers: Record<string, string>, body: string) =>
    floor.app.inject({ method: 'POST', url: '/webhooks/sources/floor', headers: { 'content-type': 'application/json', ...headers }, payload: body });

  it('stores what the reference library signs, once per webhook id, and refuses a bad or stale signature', async () => {
    const { floor, signer } = start();
    try {
      const body = JSON.stringify({ type: 'bench.ping', data: { n: 1 } });
      const at = new Date();
      const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign('msg_1', at, body) };
      const first = await post(floor, headers, body);
      expect(first.statusCode).toBe(200);
      expect(floor.count()).toBe(1); // committed before the answer
      expect((await post(floor, headers, body)).statusCode).toBe(200);
      expect(floor.count()).toBe(1); // the same webhook id again: stored once

      expect((await post(floor, { ...headers, 'webhook-id': 'msg_2' }, body)).statusCode).toBe(401); // signed for msg_1
      const old = new Date(at.getTime() - 600_000);
      const stale = { 'webhook-id': 'msg_3', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': signer.sign('msg_3', old, body) };
      expect((await post(floor, stale, body)).statusCode).toBe(401);
      expect(floor.count()).toBe(1);
    } finally {
      await floor.app.close();
    }
  });

  it('commits the webhooks of one event-loop turn together, each answered after the commit', async () => {
    const { floor, signer } = start();
    try {
      const now = new Date();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const body = JSON.stringify({ n: i });
          return post(floor, { 'webhook-id': `msg_${i}`, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(`msg_${i}`, now, body) }, body);
        }),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((a) => (a.json() as { id: string }).id)).size).toBe(20);
      expect(floor.count()).toBe(20);
    } finally {
      await floor.app.close();
    }
  });
});
