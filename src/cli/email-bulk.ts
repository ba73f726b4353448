/**
 * `switchboard email bulk --csv recipients.csv --template welcome`: columns become variables
 * (`email` or `to` names the recipient). Bad rows are reported by line number and skipped; the
 * rest is sent through a running hub's bulk API, with a progress bar.
 */
import { createReadStream } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { parse } from 'csv-parse';
import { z } from 'zod';

export interface CsvRecipients {
  recipients: { to: string; variables: Record<string, string> }[];
  bad: { line: number; reason: string }[];
}

/** Read recipients from a CSV with a header row. */
export async function readRecipients(path: string): Promise<CsvRecipients> {
  const out: CsvRecipients = { recipients: [], bad: [] };
  const parser = createReadStream(path).pipe(parse({ columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, relax_column_count: true, info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const to = record.email ?? record.to;
    if (!to) out.bad.push({ line: info.lines, reason: 'no "email" (or "to") column value' });
    else if (!z.email().safeParse(to).success) out.bad.push({ line: info.lines, reason: `"${to}" is not an email address` });
    else out.recipients.push({ to, variables: record });
  }
  return out;
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
    .action(async (o: { csv: string; template?: string; subject?: string; html?: string; text?: string; from?: string; url: string; key?: string }) => {
      if (!o.key) throw new Error('no API key: pass --key or set SWITCHBOARD_API_KEY');
      const { recipients, bad } = await readRecipients(o.csv);
      for (const b of bad) console.error(`line ${b.line}: skipped, ${b.reason}`);
      if (recipients.length === 0) throw new Error('no valid rows to send');
      const headers = { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' };
      const body = { templateId: o.template, subject: o.subject, html: o.html, text: o.text, from: o.from, recipients };
      const res = await fetch(`${o.url}/api/v1/integrations/email/bulk`, { method: 'POST', headers, body: JSON.stringify(body) });
      const started = (await res.json()) as { id?: string; detail?: string; errors?: { field: string; message: string }[] };
      if (!res.ok || !started.id) {
        for (const e of started.errors ?? []) console.error(`  ${e.field}: ${e.message}`);
        throw new Error(started.detail ?? `bulk request failed with HTTP ${res.status}`);
      }
      const bar = new SingleBar({ format: 'sending [{bar}] {value}/{total} sent={sent} failed={failed}', hideCursor: true }, Presets.shades_classic);
      bar.start(recipients.length, 0, { sent: 0, failed: 0 });
      for (;;) {
        const p = (await (await fetch(`${o.url}/api/v1/jobs/${started.id}?limit=1`, { headers })).json()) as { sent: number; failed: number; pending: number; status: string };
        bar.update(p.sent + p.failed, { sent: p.sent, failed: p.failed });
        if (p.status === 'completed') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      bar.stop();
      console.log(`job ${started.id}: done (${bad.length} bad row(s) skipped)`);
    });
}
