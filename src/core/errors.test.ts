import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HubError, toHubError } from './errors.js';

describe('error registry', () => {
  it('docs/errors.md lists exactly the registry, with the same status and flags', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (yes|no) \| (yes|no) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), retryable: m[3] === 'yes', failover: m[4] === 'yes' }));
    const registry = Object.entries(ERROR_CODES).map(([code, i]) => ({ code, status: i.status, retryable: i.retryable, failover: i.failover }));
    expect(rows).toEqual(registry);
  });

  it('HubError carries the registry status and flags; unknown errors become internal_error', () => {
    const e = new HubError('provider_rate_limited', 'slow down', { provider: 'sendgrid', retryAfter: 3 });
    expect(e).toMatchObject({ status: 429, retryable: true, failover: true, provider: 'sendgrid', retryAfter: 3 });
    expect(JSON.stringify(e)).not.toContain('stack');
    const wrapped = toHubError(new TypeError('boom'));
    expect(wrapped.code).toBe('internal_error');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });
});
