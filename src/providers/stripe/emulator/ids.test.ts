import { describe, expect, it } from 'vitest';
import { randomId } from '../../emulator-kit.js';
import { stripeId } from './objects.js';

describe('emulator ids from the pooled random bytes', () => {
  it('stripeId: prefix and 24 alphanumerics, never repeated across pool refills, every character about equally often', () => {
    const ids = Array.from({ length: 20_000 }, () => stripeId('pi')); // ~480,000 characters: ~120 refills of the 4 KiB pool
    expect(ids.every((id) => /^pi_[A-Za-z0-9]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stripeId('req', 14)).toMatch(/^req_[A-Za-z0-9]{14}$/);
    const counts = new Map<string, number>();
    for (const id of ids) for (const c of id.slice(3)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (ids.length * 24) / 62; // ~7,742 each; plain byte % 62 would put the first 8 characters ~21% over
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.06);
  });

  it('randomId: base64url of the asked length, never repeated', () => {
    const ids = Array.from({ length: 10_000 }, () => randomId(18));
    expect(ids.every((id) => /^[A-Za-z0-9_-]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomId(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
