/**
 * A whole hub in sandbox mode on a temp SQLite file (or a fixture's database), listening on a
 * free port, with an admin API key.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type CreateHubOptions, type Hub } from '../../src/hub.js';

export interface TestHub {
  hub: Hub;
  url: string;
  key: string;
  /** fetch against the hub with the admin key. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** The same with another API key (another tenant or fewer scopes); the method defaults to GET, or POST with a body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  as(key: string, path: string, body?: unknown, method?: string): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestHub(env: Record<string, string> = {}, options: Omit<CreateHubOptions, 'env'> = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-hub-'));
  const hub = await createHub({
    ...options,
    env: { NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', DATA_DIR: dataDir, QUEUE_POLL_MS: '50', ...env },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  // Emulators start when first used; tests steer them (chaos, webhook targets) before that.
  await hub.connections.startEmulators();
  const { key } = await hub.apiKeys.create({ name: 'test-admin' });
  const t: TestHub = {
    hub,
    url,
    key,
    async api(path, init = {}) {
      const res = await fetch(url + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body, headers: res.headers };
    },
    as(otherKey, path, body, method) {
      return t.api(path, { body, method, headers: { authorization: `Bearer ${otherKey}` } });
    },
    close: () => hub.close(),
  };
  return t;
}
