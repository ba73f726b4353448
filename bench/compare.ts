/**
 * Compare two `npm run bench -- --json FILE` outputs: the figures that moved by more than a
 * threshold (default 15%), worse ones first. A figure is worse when it fell if it is a rate or a
 * ratio, and when it rose if it is a time, a CPU cost, a growth, an error count or a latency ratio
 * (by its name: `p50Ms`, `p99Ms`, `cpuUs`, `growth`, `errors`, `p99Ratio`, …). A baseline's own
 * figures (`baseline…`, the floor's, the receiver's) are listed as `base`: they move with the
 * machine. Absolute rates move with it too; the ratios against a baseline of the same run are the
 * figures to trust on a shared host. Exits 1 when a figure got worse.
 *
 * @example
 * npx tsx bench/compare.ts before.json after.json [--threshold 0.1] [--ratios]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Every numeric leaf of a JSON value by its dotted path (arrays of runs are left out: they are the raw samples). */
export function flatten(value: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

const LOWER_IS_BETTER = /(ms|us|cpu|growth|errors|non2xx)$|^(p50|p99|cpu)\w*ratio/i;
/** A baseline's own figure (bare Fastify, the durable floor, the receiver, the direct call): it moves with the machine, not the hub. */
const BASELINE = (path: string) => {
  const last = path.split('.').pop()!;
  return /^(baseline|floor|receiver|batched)/i.test(last) || (/\.(floor|baselineCpu|batchedCpu)\./.test(path) && !/ratio/i.test(last));
};
/** Counts and settings that describe the run rather than measure it. */
const NOT_A_FIGURE = /(^meta\.|\.seconds$|\.total$|\.offered$|offeredRate$|\.subscribers$|\.events$|\.rounds$|\.stored\.|\.ms$|Mb$|\.delivered$|\.recorded$)/;

export interface Change {
  path: string;
  before: number;
  after: number;
  /** after / before − 1. */
  change: number;
  worse: boolean;
  /** A baseline's figure: neither better nor worse. */
  baseline: boolean;
}

export function compare(before: unknown, after: unknown, threshold: number, ratiosOnly = false): Change[] {
  const a = flatten(before);
  const b = flatten(after);
  const out: Change[] = [];
  for (const [path, x] of a) {
    const y = b.get(path);
    if (y === undefined || NOT_A_FIGURE.test(path)) continue;
    if (ratiosOnly && !/ratio/i.test(path)) continue;
    const change = x === 0 ? (y === 0 ? 0 : Infinity) : y / x - 1;
    if (Math.abs(change) <= threshold) continue;
    const lowerIsBetter = LOWER_IS_BETTER.test(path.split('.').pop()!);
    const baseline = BASELINE(path);
    out.push({ path, before: x, after: y, change, baseline, worse: !baseline && (lowerIsBetter ? y > x : y < x) });
  }
  const rank = (c: Change) => (c.worse ? 0 : c.baseline ? 2 : 1);
  return out.sort((p, q) => rank(p) - rank(q) || Math.abs(q.change) - Math.abs(p.change));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { threshold: { type: 'string', default: '0.15' }, ratios: { type: 'boolean', default: false } } });
  if (positionals.length !== 2) {
    console.error('usage: npx tsx bench/compare.ts before.json after.json [--threshold 0.15] [--ratios]');
    process.exit(2);
  }
  const [before, after] = positionals.map((f) => JSON.parse(readFileSync(f!, 'utf8')) as unknown);
  const changes = compare(before, after, Number(values.threshold), values.ratios);
  if (changes.length === 0) console.log(`no figure moved by more than ${Number(values.threshold) * 100}%`);
  for (const c of changes) {
    const pct = Number.isFinite(c.change) ? `${c.change > 0 ? '+' : ''}${(c.change * 100).toFixed(0)}%` : 'new';
    console.log(`${c.worse ? 'WORSE ' : c.baseline ? 'base  ' : 'better'}  ${c.path.padEnd(48)} ${String(c.before).padStart(10)} -> ${String(c.after).padEnd(10)} ${pct}`);
  }
  process.exitCode = changes.some((c) => c.worse) ? 1 : 0;
}
