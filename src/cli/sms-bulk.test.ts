/**
 * `switchboard sms bulk`: the real command in a child process against a sandbox hub whose Twilio
 * emulator receives the texts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../providers/twilio/index.js';
import { runCli } from '../../test/helpers/cli.js';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { readRecipients } from './csv-recipients.js';
import { phoneColumn } from './sms-bulk.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-cli-sms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV = ['Phone Number,phoneNumber,name', 'x,+14155550401,Ann', 'x,(415) 555-0402,Bob', 'x,+14155550403,"Smith, Cy"', 'x,,Dee'].join('\n');

describe('sms bulk recipients', () => {
  it('a phoneNumber column in E.164; bad rows say what to send instead', async () => {
    const path = join(dir, 'phones.csv');
    writeFileSync(path, CSV);
    const { recipients, bad } = await readRecipients(path, await phoneColumn());
    expect(recipients.map((r) => [r.line, r.to, r.variables.name])).toEqual([
      [2, '+14155550401', 'Ann'],
      [4, '+14155550403', 'Smith, Cy'],
    ]);
    expect(bad).toEqual([
      { line: 3, reason: '"(415) 555-0402": use E.164, e.g. +14155550402' },
      { line: 5, reason: 'no "phoneNumber" value' },
    ]);
  });
});

describe('switchboard sms bulk (child process against a sandbox hub)', () => {
  let t: TestHub;
  let emu: TwilioEmulator;
  beforeAll(async () => {
    t = await startTestHub({ SMS_PROVIDERS: 'twilio', RATE_LIMIT_TWILIO: '1000/s' });
    emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('texts each good row once with its columns as variables, names the skipped lines, exits 0', { timeout: 60_000 }, async () => {
    const path = join(dir, 'cli.csv');
    writeFileSync(path, CSV);
    const run = await runCli(['sms', 'bulk', '--csv', path, '--message', 'Hi {{name}}', '--url', t.url, '--key', t.key, '--poll-ms', '50']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^line 3: skipped, "\(415\) 555-0402": use E\.164, e\.g\. \+14155550402$/m);
    expect(run.stdout).toMatch(/^job smsbulk_\w+: done, 2 sent, 0 failed \(2 bad row\(s\) skipped\)$/m);
    const bodies = [...emu.messages.values()].filter((m) => m.resource.to.startsWith('+1415555040')).map((m) => [m.resource.to, m.resource.body]);
    expect(bodies.sort()).toEqual([
      ['+14155550401', 'Hi Ann'],
      ['+14155550403', 'Hi Smith, Cy'],
    ]);
  });
});
