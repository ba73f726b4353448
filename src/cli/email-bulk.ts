/**
 * `switchboard email bulk --csv recipients.csv --template welcome`: columns become variables
 * (`email` or `to`, any case, names the recipient). Bad rows are reported by line number and
 * skipped; the rest is sent through a running hub's bulk API. Progress is a bar on a terminal and
 * plain lines otherwise (CI logs, pipes), where a bar would print nothing.
 */
import { createReadStream } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { parse } from 'csv-parse';
import { z } from 'zod';

/** One good row: the line it starts on, its address, and every column as a variable. */
export interface CsvRecipient {
  line: number;
  to: string;
  variables: Record<string, string>;
}

export interface CsvRecipients {
  recipients: CsvRecipient[];
  bad: { line: number; reason: string }[];
}

interface Progress {
  status: string;
  total: number;
  sent: number;
  failed: number;
  pending: number;
  results: { index: number; to: string; status: string; error: { code?: string; message?: string } | null }[];
  nextOffset: number | null;
}

const NEWLINES = /\r\n|\r|\n/g;
/** Statuses the hub counts as failed. */
const NOT_SENT = new Set(['failed', 'bounced', 'dropped']);

/**
 * Read recipients from a CSV with a header row. A quoted value may hold commas and line breaks;
 * a row is reported by the line it starts on. Cells beyond the header's columns are ignored.
 *
 * @example
 * const { recipients, bad } = await readRecipients('list.csv');
 * // recipients: [{ line: 2, to: 'ann@example.com', variables: { email: 'ann@example.com', name: 'Ann' } }]
 * // bad: [{ line: 3, reason: '"ann@" is not an email address' }]
 */
export async function readRecipients(path: string): Promise<CsvRecipients> {
  const out: CsvRecipients = { recipients: [], bad: [] };
  const parser = createReadStream(path).pipe(
    parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, relax_column_count: true, info: true, raw: true }),
  );
  type Row = { record: Record<string, string>; info: { lines: number }; raw: string };
  for await (const { record, info, raw } of parser as AsyncIterable<Row>) {
    // `info.lines` is the row's LAST line; count back over line breaks inside quoted values
    // (`raw` also carries skipped empty lines before the row and the row's own line break).
    const inner = raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\r|\n)$/, '');
    const line = info.lines - (inner.match(NEWLINES)?.length ?? 0);
    const column = Object.keys(record).find((k) => k.toLowerCase() === 'email') ?? Object.keys(record).find((k) => k.toLowerCase() === 'to');
    const to = column === undefined ? undefined : record[column];
    if (!to) out.bad.push({ line, reason: column === undefined ? 'no "email" (or "to") column in the header' : `no "${column}" value` });
    else if (!z.email().safeParse(to).success) out.bad.push({ line, reason: `"${to}" is not an email address` });
    else out.recipients.push({ line, to, variables: record });
  }
  return out;
}

/** `recipients.3.variables.city` → `line 5 (ann@example.com): variables.city`. */
function describeField(field: string, recipients: CsvRecipient[]): string {
  const m = /^recipients\.(\d+)(?:\.(.*))?$/.exec(field);
  const r = m ? recipients[Number(m[1])] : undefined;
  return r ? `line ${r.line} (${r.to})${m![2] ? `: ${m![2]}` : ''}` : field;
}

/** A problem+json answer's parts the CLI shows. */
type Answer<T> = Partial<T> & { detail?: string; errors?: { field: string; message: string }[] };

/** The JSON of an answer; a non-JSON one (a proxy's error page) becomes its `detail`. */
async function readJson<T>(res: Response): Promise<Answer<T>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Answer<T>;
  } catch {
    return { detail: `HTTP ${res.status}: ${text.slice(0, 200) || 'empty answer'}` } as Answer<T>;
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

export function bulkCommand(): Command {
  return new Command('bulk')
    .description('Send to every row of a CSV through a running hub')
    .requiredOption('--csv <file>', 'CSV with a header row; an "email" column and any variables')
    .option('--template <name>', 'template id or name (built-in: welcome, verify-email, password-reset, invoice)')
    .option('--subject <subject>', 'subject (with --html/--text instead of a template)')
    .option('--html <html>')
    .option('--text <text>')
    .option('--from <address>')
    .option('--url <url>', 'hub URL', process.env.SWITCHBOARD_URL ?? 'http://localhost:3001')
    .option('--key <key>', 'API key (default SWITCHBOARD_API_KEY)', process.env.SWITCHBOARD_API_KEY)
    .option('--poll-ms <ms>', 'how often to ask the hub for progress', '500')
    .action(async (o: { csv: string; template?: string; subject?: string; html?: string; text?: string; from?: string; url: string; key?: string; pollMs: string }) => {
      if (!o.key) throw new Error('no API key: pass --key or set SWITCHBOARD_API_KEY');
      const base = o.url.replace(/\/+$/, '');
      const pollMs = Math.max(10, Number(o.pollMs) || 500);
      const { recipients, bad } = await readRecipients(o.csv);
      for (const b of bad) console.error(`line ${b.line}: skipped, ${b.reason}`);
      if (recipients.length === 0) throw new Error('no valid rows to send');
      const headers = { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' };
      const body = { templateId: o.template, subject: o.subject, html: o.html, text: o.text, from: o.from, recipients: recipients.map(({ to, variables }) => ({ to, variables })) };
      const res = await fetch(`${base}/api/v1/integrations/email/bulk`, { method: 'POST', headers, body: JSON.stringify(body) });
      const started = await readJson<{ id?: string }>(res);
      if (!res.ok || !started.id) {
        for (const e of started.errors ?? []) console.error(`  ${describeField(e.field, recipients)}: ${e.message}`);
        throw new Error(started.detail ?? `bulk request failed with HTTP ${res.status}`);
      }

      const progress = progressReporter(recipients.length);
      let p: Progress;
      for (;;) {
        const r = await fetch(`${base}/api/v1/jobs/${started.id}?limit=1`, { headers });
        const answer = await readJson<Progress>(r);
        if (!r.ok) {
          progress.stop();
          throw new Error(`job ${started.id}: progress request failed: ${answer.detail ?? `HTTP ${r.status}`}`);
        }
        p = answer as Progress;
        progress.update(p);
        if (p.status === 'completed') break;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      progress.stop();

      // Name each recipient the hub could not send to, by CSV line.
      for (let offset: number | null = 0; p.failed > 0 && offset !== null; ) {
        const r = await fetch(`${base}/api/v1/jobs/${started.id}?offset=${offset}&limit=1000`, { headers });
        if (!r.ok) break;
        const page = (await readJson<Progress>(r)) as Progress;
        for (const x of page.results.filter((x) => NOT_SENT.has(x.status))) {
          console.error(`line ${recipients[x.index]?.line ?? '?'} (${x.to}): not sent, ${x.error?.code ?? 'failed'}${x.error?.message ? `: ${x.error.message}` : ''}`);
        }
        offset = page.nextOffset;
      }
      console.log(`job ${started.id}: done, ${p.sent} sent, ${p.failed} failed (${bad.length} bad row(s) skipped)`);
    });
}
