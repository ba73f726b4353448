/**
 * `bench/compare.ts`: which moved figures it calls worse. A rate or a throughput ratio is worse
 * when it falls; a latency, a CPU cost, a growth or a latency ratio when it rises; a baseline's own
 * figure is neither.
 */
import { describe, expect, it } from 'vitest';
import { compare, flatten } from '../bench/compare.js';

const before = {
  meta: { seconds: 5 },
  ingest: { hub: 4000, ratio: 0.2, p99Ms: 10, baseline: 25000, baselineP99Ms: 3, floor: { rps: 13000, sourceRatio: 0.5 }, source: { cpuUs: 150 } },
  ingestFixedRate: { sqlite: { provider: { p99Ratio: 4 } } },
  memory: { ingestGrowth: 0.1 },
  sse: { runs: { hubMs: [1, 2, 3] } },
};

describe('bench compare', () => {
  it('flattens numeric leaves by path, leaving out arrays of raw runs', () => {
    const flat = flatten(before);
    expect(flat.get('ingest.floor.rps')).toBe(13000);
    expect([...flat.keys()].some((k) => k.startsWith('sse.runs'))).toBe(false);
  });

  it('calls a fallen rate, a risen latency, CPU cost, growth or latency ratio worse, and a better one better', () => {
    const after = structuredClone(before);
    after.ingest.hub = 3000; // rate down: worse
    after.ingest.ratio = 0.3; // throughput ratio up: better
    after.ingest.p99Ms = 20; // latency up: worse
    after.ingest.source.cpuUs = 100; // cheaper: better
    after.ingestFixedRate.sqlite.provider.p99Ratio = 6; // latency ratio up: worse
    after.memory.ingestGrowth = 0.3; // growth up: worse
    after.ingest.floor.sourceRatio = 0.52; // moved 4%: below the threshold
    const changes = new Map(compare(before, after, 0.15).map((c) => [c.path, c]));
    expect(changes.get('ingest.hub')?.worse).toBe(true);
    expect(changes.get('ingest.ratio')?.worse).toBe(false);
    expect(changes.get('ingest.p99Ms')?.worse).toBe(true);
    expect(changes.get('ingest.source.cpuUs')?.worse).toBe(false);
    expect(changes.get('ingestFixedRate.sqlite.provider.p99Ratio')?.worse).toBe(true);
    expect(changes.get('memory.ingestGrowth')?.worse).toBe(true);
    expect(changes.has('ingest.floor.sourceRatio')).toBe(false);
    expect(changes.has('meta.seconds')).toBe(false);
  });

  it("lists a baseline's own figures as neither better nor worse", () => {
    const after = structuredClone(before);
    after.ingest.baseline = 15000;
    after.ingest.baselineP99Ms = 9;
    after.ingest.floor.rps = 8000;
    const changes = compare(before, after, 0.15);
    expect(changes.map((c) => c.path).sort()).toEqual(['ingest.baseline', 'ingest.baselineP99Ms', 'ingest.floor.rps']);
    expect(changes.every((c) => c.baseline && !c.worse)).toBe(true);
  });
});
