/**
 * Recipients of `switchboard email bulk` from a CSV: columns become variables (`email` or `to`,
 * any case, names the recipient); bad rows are reported by the line they start on. A file that
 * cannot be read, or is not CSV, is one error line naming the file, never a stack trace.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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

const NEWLINES = /\r\n|\r|\n/g;

/** Which column names the recipient (first found, any case) and what is wrong with a value, if anything. */
export interface RecipientColumn {
  names: string[];
  check(value: string): string | undefined;
}

/** The email CLI's: an `email` (or `to`) column holding an address. */
export const EMAIL_COLUMN: RecipientColumn = {
  names: ['email', 'to'],
  check: (v) => (z.email().safeParse(v).success ? undefined : `"${v}" is not an email address`),
};

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory, not a CSV file',
};

/** A read failure as `cannot read <path>: <why>`. */
function unreadable(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new Error(`cannot read ${path}: ${FILE_ERRORS[code] ?? (err as Error).message}`);
}

/**
 * Read recipients from a CSV with a header row. A quoted value may hold commas and line breaks;
 * a row is reported by the line it starts on. Cells beyond the header's columns are ignored.
 *
 * @throws Error `cannot read list.csv: no such file` (or permission denied, a directory) and
 *   `list.csv: Quote Not Closed: … at line 9` for a file that is not valid CSV
 * @example
 * const { recipients, bad } = await readRecipients('list.csv');
 * // recipients: [{ line: 2, to: 'ann@example.com', variables: { email: 'ann@example.com', name: 'Ann' } }]
 * // bad: [{ line: 3, reason: '"ann@" is not an email address' }]
 */
export async function readRecipients(path: string, recipient: RecipientColumn = EMAIL_COLUMN): Promise<CsvRecipients> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
  } catch (err) {
    throw unreadable(path, err);
  }
  const out: CsvRecipients = { recipients: [], bad: [] };
  const source = createReadStream(path);
  const parser = parse({ bom: true, columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, relax_column_count: true, info: true, raw: true });
  let readError: unknown;
  source.on('error', (err) => {
    readError = err;
    parser.destroy(err);
  });
  source.pipe(parser);
  type Row = { record: Record<string, string>; info: { lines: number }; raw: string };
  try {
    for await (const { record, info, raw } of parser as AsyncIterable<Row>) {
      // `info.lines` is the row's LAST line; count back over line breaks inside quoted values
      // (`raw` also carries skipped empty lines before the row and the row's own line break).
      const inner = raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\r|\n)$/, '');
      const line = info.lines - (inner.match(NEWLINES)?.length ?? 0);
      const column = recipient.names.map((n) => Object.keys(record).find((k) => k.toLowerCase() === n)).find((k) => k !== undefined);
      const to = column === undefined ? undefined : record[column];
      const problem = to ? recipient.check(to) : undefined;
      const names = recipient.names.map((n) => `"${n}"`);
      if (!to) out.bad.push({ line, reason: column === undefined ? `no ${names[0]}${names.length > 1 ? ` (or ${names.slice(1).join(', ')})` : ''} column in the header` : `no "${column}" value` });
      else if (problem) out.bad.push({ line, reason: problem });
      else out.recipients.push({ line, to, variables: record });
    }
  } catch (err) {
    if (readError !== undefined) throw unreadable(path, readError);
    throw new Error(`${path}: ${(err as Error).message}; fix the file (a header row, then one recipient per row)`);
  } finally {
    source.destroy();
  }
  return out;
}
