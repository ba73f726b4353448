import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('is prefixed, sorts by time, and never repeats across many pool refills', () => {
    const a = newId('msg', 1_700_000_000_000);
    const b = newId('msg', 1_700_000_000_001);
    expect(a).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(a < b).toBe(true);
    // 4 KiB of randomness per refill = 256 ids; 20,000 ids cross ~78 refills, at one instant.
    const ids = new Set(Array.from({ length: 20_000 }, () => newId('x', 1_700_000_000_000)));
    expect(ids.size).toBe(20_000);
  });

  it('uses fresh randomness: no two refills give the same sequence', () => {
    const first = Array.from({ length: 256 }, () => newId('x', 0).slice(-16));
    const second = Array.from({ length: 256 }, () => newId('x', 0).slice(-16));
    expect(new Set([...first, ...second]).size).toBe(512);
  });
});
