/**
 * `switchboard email bulk --csv recipients.csv --template welcome`: columns become variables
 * (`email` or `to`, any case, names the recipient). Bad rows are reported by line number and
 * skipped; the rest is sent through a running hub's bulk API, once: the request carries an
 * `Idempotency-Key` (a retry after a lost answer gets the same job), and a failure while watching
 * progress resumes watching the same job id. The API key needs the scopes `email:send` (to send)
 * and `jobs:read` (to watch progress); both are checked before anything is sent. Progress is a bar
 * on a terminal and plain lines otherwise (CI logs, pipes), where a bar would print nothing.
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { getJob, reportFailures, watchJob, type WatchOptions } from './bulk-watch.js';
import { readRecipients, type CsvRecipient, type RecipientColumn } from './csv-recipients.js';
import { cliEnv, hubFetch, HubUnreachableError, hubUrl, readJson, type Answer } from './hub-client.js';

export { readRecipients, type CsvRecipient, type CsvRecipients } from './csv-recipients.js';

/** The scopes this command needs, and how to get a key with them. */
export const BULK_SCOPES = 'email:send,jobs:read';
const KEY_HINT = `\`email bulk\` needs an API key with the scopes ${BULK_SCOPES}: create one with \`npx switchboard keys create --name bulk --scopes ${BULK_SCOPES}\``;

/** `recipients.3.variables.city` → `line 5 (ann@example.com): variables.city`. */
function describeField(field: string, recipients: CsvRecipient[]): string {
  const m = /^recipients\.(\d+)(?:\.(.*))?$/.exec(field);
  const r = m ? recipients[Number(m[1])] : undefined;
  return r ? `line ${r.line} (${r.to})${m![2] ? `: ${m![2]}` : ''}` : field;
}

/** An error answer as one message, with the key hint for 401/403. */
function refused(what: string, status: number, answer: Answer<unknown>, hint = KEY_HINT): Error {
  const detail = answer.detail ?? `HTTP ${status}`;
  return new Error(status === 401 || status === 403 ? `${what}: ${detail}; ${hint}` : `${what}: ${detail}`);
}

/** Before sending: the key is known and may read job progress (a 404 for an unknown job says so). */
export async function checkKey(o: WatchOptions, hint = KEY_HINT): Promise<void> {
  const res = await hubFetch(o.base, '/api/v1/jobs/bulk_scope_check?limit=1', { headers: o.headers });
  if (res.status === 401 || res.status === 403) throw refused(`the hub at ${o.base} refused the API key, nothing was sent`, res.status, await readJson(res), hint);
  await res.body?.cancel();
}

/** POST the bulk request; a lost answer or a 5xx is retried with the same Idempotency-Key (one job). */
export async function start(o: WatchOptions, body: unknown, recipients: CsvRecipient[], target: { path: string; hint: string } = { path: '/api/v1/integrations/email/bulk', hint: KEY_HINT }): Promise<string> {
  const headers = { ...o.headers, 'idempotency-key': `cli-bulk-${randomUUID()}` };
  const deadline = Date.now() + o.patienceMs;
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      const res = await hubFetch(o.base, target.path, { method: 'POST', headers, body: JSON.stringify(body) });
      const answer = await readJson<{ id: string }>(res);
      if (res.ok && answer.id) return answer.id;
      if (res.status < 500 && answer.code !== 'idempotency_in_progress') {
        for (const e of answer.errors ?? []) console.error(`  ${describeField(e.field, recipients)}: ${e.message}`);
        throw refused('the hub refused the bulk request, nothing was sent', res.status, answer, target.hint);
      }
      problem = answer.detail ?? `HTTP ${res.status}`;
    } catch (err) {
      if (!(err instanceof HubUnreachableError) && !(err instanceof TypeError)) throw err;
      problem = err instanceof HubUnreachableError ? err.reason : 'the answer broke off';
    }
    if (Date.now() >= deadline) throw new Error(`no answer from the hub at ${o.base} to the bulk request (${problem}); if it was accepted, \`GET /api/v1/jobs\` on the hub lists it`);
    o.note(`no answer to the bulk request (${problem}); asking again with the same Idempotency-Key, so it is sent once`);
    await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
  }
}

interface BulkFlags extends BulkRunFlags {
  template?: string;
  subject?: string;
  html?: string;
  text?: string;
  from?: string;
}

export function bulkCommand(): Command {
  return new Command('bulk')
    .description(`Send to every row of a CSV through a running hub (API key scopes: ${BULK_SCOPES})`)
    .requiredOption('--csv <file>', 'CSV with a header row; an "email" column and any variables')
    .option('--template <name>', 'template id or name (built-in: welcome, verify-email, password-reset, invoice)')
    .option('--subject <subject>', 'subject (with --html/--text instead of a template)')
    .option('--html <html>')
    .option('--text <text>')
    .option('--from <address>')
    .option('--url <url>', 'hub URL (default: SWITCHBOARD_URL, else http://127.0.0.1:$PORT, PORT default 3001)')
    .option('--key <key>', `API key with the scopes ${BULK_SCOPES} (default: SWITCHBOARD_API_KEY)`)
    .option('--job <id>', 'watch this bulk job (started earlier from the same CSV) instead of sending')
    .option('--poll-ms <ms>', 'how often to ask the hub for progress', '500')
    .option('--patience <seconds>', 'how long to keep trying while the hub does not answer', '300')
    .action((o: BulkFlags) =>
      runBulk(o, {
        hint: KEY_HINT,
        path: '/api/v1/integrations/email/bulk',
        body: (recipients) => ({ templateId: o.template, subject: o.subject, html: o.html, text: o.text, from: o.from, recipients: recipients.map(({ to, variables }) => ({ to, variables })) }),
      }),
    );
}

/** The flags every `bulk` command takes (`email bulk`, `sms bulk`). */
export interface BulkRunFlags {
  csv: string;
  url?: string;
  key?: string;
  job?: string;
  pollMs: string;
  patience: string;
}

/** What differs between the `bulk` commands: the key's hint, the route, the recipient column, the request body. */
export interface BulkKind {
  hint: string;
  path: string;
  /** The command that watches the job again (default `email bulk`). */
  command?: string;
  /** The recipient column (default email's). */
  column?: RecipientColumn;
  /** Throws for a flag the command lacks (checked once the key is known, before the CSV is read). */
  check?(): void;
  body(recipients: CsvRecipient[]): unknown;
}

/**
 * One flow for every `bulk` command: read the CSV (bad rows on stderr), check the key, start the
 * job once (or, with `--job`, find it again), watch it to the end and name what failed.
 */
export async function runBulk(o: BulkRunFlags, kind: BulkKind): Promise<void> {
  const env = cliEnv();
  const key = o.key ?? env.SWITCHBOARD_API_KEY;
  if (!key) throw new Error(`no API key: pass --key or set SWITCHBOARD_API_KEY; ${kind.hint}`);
  kind.check?.();
  const { recipients, bad } = await readRecipients(o.csv, kind.column);
  for (const b of bad) console.error(`line ${b.line}: skipped, ${b.reason}`);
  if (recipients.length === 0) throw new Error(`no valid rows to send in ${o.csv}`);
  const watch: WatchOptions = {
    base: hubUrl(o.url, env),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    jobId: o.job ?? '',
    pollMs: Math.max(10, Number(o.pollMs) || 500),
    patienceMs: Math.max(0, Number(o.patience) || 0) * 1000,
    note: (line) => console.error(line),
    ...(kind.command ? { command: kind.command } : {}),
  };
  await checkKey(watch, kind.hint);
  if (o.job) {
    const { status, body } = await getJob(watch, '?limit=1');
    if (status !== 200) throw new Error(`job ${o.job}: ${body.detail ?? `HTTP ${status}`}`);
  } else {
    watch.jobId = await start(watch, kind.body(recipients), recipients, { path: kind.path, hint: kind.hint });
    console.log(`job ${watch.jobId}: started, ${recipients.length} recipient(s)`);
  }
  const p = await watchJob(watch, recipients.length);
  if (p.failed > 0) await reportFailures(watch, recipients);
  console.log(`job ${watch.jobId}: done, ${p.sent} sent, ${p.failed} failed (${bad.length} bad row(s) skipped)`);
}
