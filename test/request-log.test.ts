/**
 * Requests are logged at info through the hub's pino logger, with credentials and signatures
 * blanked: the API key in `Authorization`, cookies, provider signature headers, and secret-looking
 * query values never reach a log line. At LOG_LEVEL=silent (the tests' default) nothing is logged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});

let hub: Hub;
let url: string;
let key: string;
beforeAll(async () => {
  const logger = pino({ level: 'info' }, sink);
  hub = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-reqlog-')), EMAIL_PROVIDERS: 'sendgrid' }, logger });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'log-test' })).key;
});
afterAll(async () => {
  await hub?.close();
});

describe('request logging', () => {
  it('logs each request at info with method, path and status, and blanks every credential', async () => {
    const secret = 'whsec_do_not_log_me_123';
    await fetch(`${url}/api/v1/integrations/email/templates?api_key=${secret}&limit=5`, {
      headers: { authorization: `Bearer ${key}`, cookie: `session=${secret}`, 'stripe-signature': `t=1,v1=${secret}`, 'x-twilio-signature': secret, 'webhook-signature': secret, 'user-agent': 'log-test' },
    });
    await expect.poll(() => lines.some((l) => l.msg === 'request completed')).toBe(true);
    const incoming = lines.find((l) => l.msg === 'incoming request') as { level: number; req: { method: string; url: string; headers: Record<string, string> } };
    expect(incoming.level).toBe(30); // info
    expect(incoming.req.method).toBe('GET');
    expect(incoming.req.url).toBe('/api/v1/integrations/email/templates?api_key=%5Bredacted%5D&limit=5');
    expect(incoming.req.headers).toMatchObject({ authorization: '[redacted]', cookie: '[redacted]', 'stripe-signature': '[redacted]', 'x-twilio-signature': '[redacted]', 'webhook-signature': '[redacted]', 'user-agent': 'log-test' });
    const completed = lines.find((l) => l.msg === 'request completed') as { res: { statusCode: number } };
    expect(completed.res.statusCode).toBe(200);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(key);
  });
});
