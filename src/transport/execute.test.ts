import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { acmeConnection, acmeManifest, freePort, rejection } from './test-utils/server.js';
import { Transport } from './transport.js';
import type { AuditEntry } from './types.js';

function setup(manifest = acmeManifest({ auth: { type: 'smtp' }, id: 'smtp', name: 'SMTP' }), threshold = 5) {
  const audit: AuditEntry[] = [];
  const clock = fakeClock();
  const transport = new Transport({ clock, audit: (e) => audit.push(e), breaker: { threshold } });
  return { audit, clock, transport, http: transport.forConnection(manifest, acmeConnection('smtp://127.0.0.1:25')) };
}

/** A function that fails with `errors` in turn, then answers 'sent'. */
function flaky(...errors: unknown[]) {
  let calls = 0;
  const fn = async () => {
    calls++;
    const err = errors.shift();
    if (err !== undefined) throw err;
    return 'sent';
  };
  return { fn, calls: () => calls };
}

const unavailable = (details?: Record<string, unknown>) => new HubError('provider_unavailable', 'server said 421', { provider: 'smtp', details });

describe('execute', () => {
  it('retries retryable errors when the call is idempotent', async () => {
    const { http } = setup();
    const call = flaky(unavailable(), unavailable());
    expect(await http.execute('email.send', call.fn, { idempotent: true })).toBe('sent');
    expect(call.calls()).toBe(3);
  });

  it('does not retry an uncertain failure of a non-idempotent call', async () => {
    const { http } = setup();
    const call = flaky(unavailable({ uncertain: true }));
    await expect(http.execute('email.send', call.fn)).rejects.toMatchObject({ code: 'provider_unavailable' });
    expect(call.calls()).toBe(1);
  });

  it('retries a non-idempotent call whose error is marked as never sent', async () => {
    const { http } = setup();
    const call = flaky(unavailable({ sent: false }));
    expect(await http.execute('email.send', call.fn)).toBe('sent');
    expect(call.calls()).toBe(2);
  });

  it('maps a real connection refusal and retries it', async () => {
    const { http, audit } = setup();
    const port = await freePort();
    let attempts = 0;
    const err = await rejection(
      http.execute('email.send', () => {
        attempts++;
        return new Promise<never>((_resolve, reject) => connect(port, '127.0.0.1').on('error', reject));
      }),
    );
    expect(err.code).toBe('provider_unavailable');
    expect(err.details).toMatchObject({ sent: false, networkCode: 'ECONNREFUSED' });
    expect(attempts).toBe(3);
    expect(audit.map((e) => [e.method, e.url, e.attempt, e.errorCode])).toEqual([
      ['SMTP', 'email.send', 1, 'provider_unavailable'],
      ['SMTP', 'email.send', 2, 'provider_unavailable'],
      ['SMTP', 'email.send', 3, 'provider_unavailable'],
    ]);
  });

  it('times out even when the function ignores its signal, and aborts that signal', async () => {
    const { http } = setup();
    let seen: AbortSignal | undefined;
    const err = await rejection(
      http.execute(
        'email.send',
        (signal) => {
          seen = signal;
          return new Promise(() => undefined);
        },
        { timeoutMs: 30 },
      ),
    );
    expect(err.code).toBe('provider_timeout');
    expect(seen?.aborted).toBe(true);
  });

  it('shares the breaker, metrics and `CALL` method for non-SMTP providers', async () => {
    const { http, transport, audit } = setup(acmeManifest({ retry: { maxAttempts: 1 } }), 2);
    for (let i = 0; i < 2; i++) await http.execute('blob.put', flaky(unavailable()).fn).catch(() => undefined);
    const call = flaky();
    await expect(http.execute('blob.put', call.fn)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(call.calls()).toBe(0);
    expect(audit[0]?.method).toBe('CALL');
    expect(await transport.registry.metrics()).toContain('switchboard_provider_calls_total{provider="acme",operation="blob.put",status="circuit_open"} 1');
  });

  it('wraps an unknown thrown error as a non-retryable provider_error', async () => {
    const { http } = setup();
    const call = flaky(new Error('SDK exploded'));
    const err = await rejection(http.execute('email.send', call.fn, { idempotent: true }));
    expect(err.code).toBe('provider_error');
    expect(err.message).toContain('SDK exploded');
    expect(call.calls()).toBe(1);
  });
});
