/**
 * `switchboard` CLI: start | migrate | keys … | email bulk | sms bulk | health. An error is one line on
 * stderr (`error: …`) and exit code 1; `--help` prints usage only (no defaults taken from the
 * environment, so never a key).
 */
import { Command } from 'commander';
import { API_VERSION } from '../core/version.js';
import { bulkCommand } from './email-bulk.js';
import { keysCommand } from './keys.js';
import { smsBulkCommand } from './sms-bulk.js';
import { healthCommand, migrateCommand, startCommand } from './start.js';

const program = new Command('switchboard').version(API_VERSION).description('Self-hostable integrations hub');
program.addCommand(startCommand());
program.addCommand(migrateCommand());
program.addCommand(keysCommand());
program.addCommand(new Command('email').description('Email tools').addCommand(bulkCommand()));
program.addCommand(new Command('sms').description('SMS tools').addCommand(smsBulkCommand()));
program.addCommand(healthCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
