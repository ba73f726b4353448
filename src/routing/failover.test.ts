import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { runChain } from './failover.js';

describe('runChain', () => {
  it('moves past failover-class errors and names the provider that succeeded', async () => {
    const tried: string[] = [];
    const res = await runChain(['a', 'b', 'c'], async (p) => {
      tried.push(p);
      if (p === 'a') throw new HubError('provider_unavailable', 'a down');
      if (p === 'b') throw new HubError('circuit_open', 'b open');
      return `${p}-ok`;
    });
    expect(tried).toEqual(['a', 'b', 'c']);
    expect(res).toMatchObject({ provider: 'c', value: 'c-ok' });
    expect(res.failures.map((f) => f.code)).toEqual(['provider_unavailable', 'circuit_open']);
  });

  it('stops at an error caused by the request', async () => {
    const tried: string[] = [];
    await expect(
      runChain(['a', 'b'], async (p) => {
        tried.push(p);
        throw new HubError('invalid_recipient', 'bad address');
      }),
    ).rejects.toMatchObject({ code: 'invalid_recipient' });
    expect(tried).toEqual(['a']);
  });

  it('reports every cause when all fail; retryable only if a cause was transient', async () => {
    const err = await runChain(['a', 'b'], async (p) => {
      throw new HubError(p === 'a' ? 'provider_auth_failed' : 'provider_timeout', `${p} failed`);
    }).catch((e: HubError) => e) as HubError;
    expect(err.code).toBe('all_providers_failed');
    expect(err.retryable).toBe(true);
    expect(err.details?.causes).toHaveLength(2);
    const err2 = await runChain(['a'], async () => {
      throw new HubError('provider_auth_failed', 'no');
    }).catch((e: HubError) => e) as HubError;
    expect(err2.retryable).toBe(false);
  });
});
