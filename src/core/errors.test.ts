import { describe, expect, it } from 'vitest';
import { HubError, toHubError } from './errors.js';

describe('error registry', () => {
  it('HubError carries the registry status and flags; unknown errors become internal_error', () => {
    const e = new HubError('provider_rate_limited', 'slow down', { provider: 'sendgrid', retryAfter: 3 });
    expect(e).toMatchObject({ status: 429, retryable: true, failover: true, provider: 'sendgrid', retryAfter: 3 });
    expect(JSON.stringify(e)).not.toContain('stack');
    const wrapped = toHubError(new TypeError('boom'));
    expect(wrapped.code).toBe('internal_error');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });
});
