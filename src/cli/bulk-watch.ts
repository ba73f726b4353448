/**
 * Watching a bulk job of `switchboard email bulk` until it completes. A failure while watching
 * (the hub restarts, a network blip, a 5xx from a proxy) never sends again: the CLI keeps asking
 * for the same job id, with backoff, for up to `patienceMs` without an answer, and then stops
 * with the command that resumes watching (`--job <id>`).
 */
import { SingleBar, Presets } from 'cli-progress';
import type { CsvRecipient } from './csv-recipients.js';
import { hubFetch, HubUnreachableError, readJson, type Answer } from './hub-client.js';

export interface Progress {
  status: string;
  total: number;
  sent: number;
  failed: number;
  pending: number;
  results: { index: number; to: string; status: string; error: { code?: string; message?: string } | null }[];
  nextOffset: number | null;
}

export interface WatchOptions {
  base: string;
  headers: Record<string, string>;
  jobId: string;
  pollMs: number;
  /** How long to keep trying while the hub does not answer (ms). */
  patienceMs: number;
  /** Where notes about lost contact go (stderr). */
  note: (line: string) => void;
  /** The command that watches the job again (default `email bulk`). */
  command?: string;
}

/** Statuses the hub counts as failed. */
const NOT_SENT = new Set(['failed', 'bounced', 'dropped', 'undelivered']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GET a job page, retrying network failures, 5xx and 429 with backoff until it answers; any other
 * answer (200, 403, 404) is returned. Never sends anything.
 *
 * @example
 * const { status, body } = await getJob(o, '?limit=1');
 */
export async function getJob(o: WatchOptions, query: string): Promise<{ status: number; body: Answer<Progress> }> {
  let lostSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      const res = await hubFetch(o.base, `/api/v1/jobs/${encodeURIComponent(o.jobId)}${query}`, { headers: o.headers });
      if (res.status < 500 && res.status !== 429) return { status: res.status, body: await readJson<Progress>(res) };
      problem = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      if (!(err instanceof HubUnreachableError) && !(err instanceof TypeError)) throw err; // TypeError: the answer broke off
      problem = err instanceof HubUnreachableError ? err.reason : 'the answer broke off';
    }
    if (lostSince === undefined) {
      lostSince = Date.now();
      o.note(`lost contact with the hub at ${o.base} while watching job ${o.jobId} (${problem}); still watching the same job, nothing is sent again`);
    }
    if (Date.now() - lostSince >= o.patienceMs) {
      throw new Error(`job ${o.jobId}: no answer from the hub at ${o.base} for ${Math.round(o.patienceMs / 1000)} s (${problem}); the job goes on in the hub: watch it again with \`switchboard ${o.command ?? 'email bulk'} --csv <file> --job ${o.jobId}\``);
    }
    await sleep(Math.min(5_000, o.pollMs * 2 ** Math.min(attempt, 6)));
  }
}

/** A bar on a terminal; elsewhere a line each time the counts change. */
function progressReporter(total: number) {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: 'sending [{bar}] {value}/{total} sent={sent} failed={failed}', hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0, { sent: 0, failed: 0 });
    return { update: (p: Progress) => bar.update(p.sent + p.failed, { sent: p.sent, failed: p.failed }), stop: () => bar.stop() };
  }
  let last = '';
  return {
    update: (p: Progress) => {
      const line = `progress: ${p.sent + p.failed}/${p.total} sent=${p.sent} failed=${p.failed}`;
      if (line !== last) console.log(line);
      last = line;
    },
    stop: () => undefined,
  };
}

/**
 * Watch a job until it completes, showing progress; answers the final counts.
 *
 * @example
 * const p = await watchJob({ base, headers, jobId: 'bulk_01…', pollMs: 500, patienceMs: 300_000, note: console.error }, 5);
 */
export async function watchJob(o: WatchOptions, total: number): Promise<Progress> {
  const progress = progressReporter(total);
  try {
    for (;;) {
      const { status, body } = await getJob(o, '?limit=1');
      if (status !== 200) throw new Error(`job ${o.jobId}: progress request failed: ${body.detail ?? `HTTP ${status}`}`);
      const p = body as Progress;
      progress.update(p);
      if (p.status === 'completed') return p;
      await sleep(o.pollMs);
    }
  } finally {
    progress.stop();
  }
}

/**
 * Name each recipient the hub could not send to, by CSV line, on stderr.
 *
 * @example
 * await reportFailures(o, recipients);
 */
export async function reportFailures(o: WatchOptions, recipients: CsvRecipient[]): Promise<void> {
  for (let offset: number | null = 0; offset !== null; ) {
    const { status, body } = await getJob(o, `?offset=${offset}&limit=1000`);
    if (status !== 200) return;
    const page = body as Progress;
    for (const x of page.results.filter((r) => NOT_SENT.has(r.status))) {
      console.error(`line ${recipients[x.index]?.line ?? '?'} (${x.to}): not sent, ${x.error?.code ?? 'failed'}${x.error?.message ? `: ${x.error.message}` : ''}`);
    }
    offset = page.nextOffset;
  }
}
