import { describe, expect, it } from 'vitest';
import { EndpointLimits } from './limits.js';

describe('EndpointLimits.acquire', () => {
  it('a stalled endpoint (no request finished lately) defers at once: it holds no worker', async () => {
    const limits = new EndpointLimits(2, () => 0.5);
    expect(limits.admit('slow', null, 0, 0)).toEqual({ ok: true });
    expect(limits.admit('slow', null, 0, 0)).toEqual({ ok: true });
    const started = performance.now();
    const a = await limits.acquire('slow', null, 0, 0);
    expect(a.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(20);
    expect(limits.inFlight('slow')).toBe(2);
  });

  it('an endpoint turning requests over gets the next free slot instead of a deferral', async () => {
    const limits = new EndpointLimits(2, () => 0.5, 1_000, 1_000);
    limits.admit('fast', null, 0, 0);
    limits.admit('fast', null, 0, 0);
    limits.admit('fast', null, 0, 0); // refused, but the endpoint has not finished anything yet
    limits.release('fast'); // one finished: it turns over
    limits.admit('fast', null, 0, 0);
    const waiting = limits.acquire('fast', null, 0, 0);
    setTimeout(() => limits.release('fast'), 30);
    expect(await waiting).toEqual({ ok: true });
    expect(limits.inFlight('fast')).toBe(2);
  });

  it('waits at most waitMs, then defers', async () => {
    const limits = new EndpointLimits(1, () => 0.5, 1_000, 40);
    limits.admit('ep', null, 0, 0);
    limits.release('ep');
    limits.admit('ep', null, 0, 0);
    const started = performance.now();
    const a = await limits.acquire('ep', null, 0, 0);
    expect(a.ok).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});
