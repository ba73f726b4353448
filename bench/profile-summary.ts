/**
 * Summarize a V8 CPU profile (`BENCH_CPU_PROF=DIR npm run bench -- --only ingest`): the functions
 * with the most self time, and the most inclusive time, as shares of the samples.
 *
 * @example
 * npx tsx bench/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [--top 40] [--filter src/]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, filter: { type: 'string' } } });
const top = Number(values.top);
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: Node) => {
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
    }
  }
  const total = profile.samples.length;
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title} (${file}, ${total} samples)`);
    [...m]
      .filter(([l]) => !values.filter || l.includes(values.filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([l, n]) => console.log(`${((n / total) * 100).toFixed(1).padStart(5)}%  ${l}`));
  };
  show('self', self);
  show('inclusive', inclusive);
}
