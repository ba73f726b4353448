import { describe, expect, it } from 'vitest';
import { turnBatch } from './turn-batch.js';

describe('turnBatch', () => {
  it('runs the calls of one turn as one batch and gives each caller its own answer', async () => {
    const batches: number[][] = [];
    const double = turnBatch(async (xs: number[]) => (batches.push(xs), xs.map((x) => x * 2)));
    const first = await Promise.all([1, 2, 3].map(double));
    const second = await double(4);
    expect(first).toEqual([2, 4, 6]);
    expect(second).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a turn larger than max; a failed batch fails its callers only', async () => {
    const batches: number[][] = [];
    const run = turnBatch(async (xs: number[]) => {
      batches.push(xs);
      if (xs.includes(3)) throw new Error('boom');
      return xs;
    }, { max: 2 });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(run));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
  });

  it('alone: a failed batch runs each item again on its own, so only the bad one fails', async () => {
    const batches: number[][] = [];
    const run = turnBatch(
      async (xs: number[]) => {
        batches.push(xs);
        if (xs.includes(3)) throw new Error('boom');
        return xs.map((x) => x * 10);
      },
      { alone: true },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map(run));
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'fulfilled', value: 20 },
      { status: 'rejected', reason: new Error('boom') },
      { status: 'fulfilled', value: 40 },
    ]);
  });
});
