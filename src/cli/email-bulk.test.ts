/**
 * `switchboard email bulk`: the CSV reader on its own, then the real command in a child process
 * (`tsx src/cli/main.ts`, stdout and stderr piped, so no TTY) against a hub in sandbox mode.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendgridEmulator } from '../providers/sendgrid/emulator/server.js';
import { runCli } from '../../test/helpers/cli.js';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { readRecipients } from './email-bulk.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-cli-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// Line numbers are on the left; the file starts at line 1.
const MIXED = [
  /*  1 */ 'email,name,city',
  /*  2 */ 'ann@example.com,Ann,Paris',
  /*  3 */ ',NoEmail,Rome',
  /*  4 */ 'not-an-email,Bad,Oslo',
  /*  5 */ 'bob@example.com,Bob,Berlin,extra1,extra2',
  /*  6 */ '"cy@example.com","Smith, Cy","Lyon, France"',
  /*  7 */ '',
  /*  8 */ 'dee@example.com,"Dee',
  /*  9 */ 'Multi",Nice',
  /* 10 */ '"ann@",Quoted,Rome',
  /* 11 */ 'eve@example.com,Eve',
].join('\n');

describe('readRecipients', () => {
  it('keeps good rows with their columns as variables and reports bad rows by the line they start on', async () => {
    const { recipients, bad } = await readRecipients(csv('mixed.csv', `${MIXED}\n`));
    expect(bad).toEqual([
      { line: 3, reason: expect.stringContaining('no "email" value') },
      { line: 4, reason: '"not-an-email" is not an email address' },
      { line: 10, reason: '"ann@" is not an email address' },
    ]);
    expect(recipients).toEqual([
      { line: 2, to: 'ann@example.com', variables: { email: 'ann@example.com', name: 'Ann', city: 'Paris' } },
      // cells beyond the header's columns are ignored
      { line: 5, to: 'bob@example.com', variables: { email: 'bob@example.com', name: 'Bob', city: 'Berlin' } },
      // quoted commas stay in their value
      { line: 6, to: 'cy@example.com', variables: { email: 'cy@example.com', name: 'Smith, Cy', city: 'Lyon, France' } },
      // a quoted line break: the row starts on line 8
      { line: 8, to: 'dee@example.com', variables: { email: 'dee@example.com', name: 'Dee\nMulti', city: 'Nice' } },
      // a short row keeps the columns it has
      { line: 11, to: 'eve@example.com', variables: { email: 'eve@example.com', name: 'Eve' } },
    ]);
  });

  it('reads CRLF files, a UTF-8 BOM and an "Email" header as spreadsheets write them; "to" names the recipient too', async () => {
    const excel = await readRecipients(csv('excel.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Email,First Name\r\nann@example.com,Ann\r\nbad,Bo\r\n')])));
    expect(excel.recipients).toEqual([{ line: 2, to: 'ann@example.com', variables: { Email: 'ann@example.com', 'First Name': 'Ann' } }]);
    expect(excel.bad).toEqual([{ line: 3, reason: '"bad" is not an email address' }]);
    const to = await readRecipients(csv('to.csv', 'to,code\nzed@example.com,42'));
    expect(to.recipients).toEqual([{ line: 2, to: 'zed@example.com', variables: { to: 'zed@example.com', code: '42' } }]);
    const none = await readRecipients(csv('none.csv', 'name\nAnn\n'));
    expect(none).toEqual({ recipients: [], bad: [{ line: 2, reason: 'no "email" (or "to") column in the header' }] });
  });
});

describe('switchboard email bulk (child process against a sandbox hub)', () => {
  let t: TestHub;
  let sg: SendgridEmulator;
  beforeAll(async () => {
    t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid', RATE_LIMIT_SENDGRID: '10000/s' });
    sg = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
  });
  afterAll(async () => {
    await t?.close();
  });

  const received = (to: string) => sg.accepted.filter((m) => m.body.personalizations[0]!.to[0]!.email === to);

  it('sends each good row once with its columns as variables, reports bad lines on stderr and progress lines on stdout, exits 0', { timeout: 60_000 }, async () => {
    const path = csv('cli.csv', `${MIXED}\n`);
    const run = await runCli(['email', 'bulk', '--csv', path, '--template', 'welcome', '--url', `${t.url}/`, '--key', t.key, '--poll-ms', '50']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^line 3: skipped, /m);
    expect(run.stderr).toMatch(/^line 4: skipped, "not-an-email" is not an email address$/m);
    expect(run.stderr).toMatch(/^line 10: skipped, /m);
    expect(run.stderr.match(/skipped/g)).toHaveLength(3);
    // Without a TTY the bar would print nothing: plain progress lines instead, then done.
    expect(run.stdout).toMatch(/^progress: \d+\/5 sent=\d+ failed=0$/m);
    expect(run.stdout).toMatch(/^progress: 5\/5 sent=5 failed=0$/m);
    expect(run.stdout).toMatch(/^job bulk_\w+: done, 5 sent, 0 failed \(3 bad row\(s\) skipped\)$/m);

    const good = { 'ann@example.com': 'Ann', 'bob@example.com': 'Bob', 'cy@example.com': 'Smith, Cy', 'dee@example.com': 'Dee\nMulti', 'eve@example.com': 'Eve' };
    for (const [to, name] of Object.entries(good)) {
      const got = received(to);
      expect(got, to).toHaveLength(1);
      expect(got[0]!.body.subject).toBe(`Welcome, ${name}!`);
    }
    for (const to of ['not-an-email', 'ann@']) expect(received(to)).toHaveLength(0);
  });

  it('names recipients the hub could not send to by their CSV line (a suppressed address)', { timeout: 60_000 }, async () => {
    await t.hub.email.suppressions.add('default', 'gone@example.com', 'bounce');
    const path = csv('suppressed.csv', 'email,name\nkept@example.com,Kept\ngone@example.com,Gone\n');
    const run = await runCli(['email', 'bulk', '--csv', path, '--subject', 'Hi {{name}}', '--text', 'x', '--url', t.url, '--key', t.key, '--poll-ms', '50']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^line 3 \(gone@example\.com\): not sent, recipient_suppressed/m);
    expect(run.stdout).toMatch(/done, 1 sent, 1 failed/);
    expect(received('kept@example.com')).toHaveLength(1);
    expect(received('gone@example.com')).toHaveLength(0);
  });

  it('a row lacking a template variable: exit 1, the hub\'s 400 shown by CSV line, nothing sent', { timeout: 60_000 }, async () => {
    const path = csv('missing.csv', 'email,city\nparis@example.com,Paris\nnowhere@example.com\n');
    const before = sg.accepted.length;
    const run = await runCli(['email', 'bulk', '--csv', path, '--subject', 'Hello from {{city}}', '--text', 'x', '--url', t.url, '--key', t.key]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 3 \(nowhere@example\.com\): variables\.city: is required/);
    expect(run.stderr).toMatch(/^error: /m);
    expect(sg.accepted.length).toBe(before);
  });
});
