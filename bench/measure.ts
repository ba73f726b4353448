/**
 * What every benchmark shares: autocannon load in a worker thread and one printed row of ratios
 * against a baseline measured in the same run.
 */
import autocannon from 'autocannon';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const CONNECTIONS = 32;

export interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(options: autocannon.Options): Promise<Result> {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, workers: 1, ...options });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export function row(name: string, subject: Result, baseline: Result): string {
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  return [
    name.padEnd(34),
    `${subject.rps.toFixed(0).padStart(7)} req/s vs ${baseline.rps.toFixed(0).padStart(7)}  (x${ratio(subject.rps, baseline.rps)})`,
    `p50 ${subject.p50}ms vs ${baseline.p50}ms (x${ratio(subject.p50, baseline.p50)})`,
    `p99 ${subject.p99}ms vs ${baseline.p99}ms (x${ratio(subject.p99, baseline.p99)})`,
    subject.errors + subject.non2xx + baseline.errors + baseline.non2xx > 0 ? `  !! errors=${subject.errors}/${baseline.errors} non2xx=${subject.non2xx}/${baseline.non2xx}` : '',
  ].join('  ');
}

