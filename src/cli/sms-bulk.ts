/**
 * `switchboard sms bulk --csv recipients.csv --message "Hi {{name}}"`: columns become variables
 * (`phoneNumber`, `phone` or `to`, any case, names the recipient, in E.164). Bad rows are reported
 * by line number and skipped; the rest is sent through a running hub's SMS bulk API once, as
 * `email bulk` does (an `Idempotency-Key`, and watching resumes on the same job id). The API key
 * needs the scopes `sms:send` and `jobs:read`.
 */
import { Command } from 'commander';
import type { RecipientColumn } from './csv-recipients.js';
import { runBulk, type BulkRunFlags } from './email-bulk.js';

export const SMS_BULK_SCOPES = 'sms:send,jobs:read';
const KEY_HINT = `\`sms bulk\` needs an API key with the scopes ${SMS_BULK_SCOPES}: create one with \`npx switchboard keys create --name sms-bulk --scopes ${SMS_BULK_SCOPES}\``;

/**
 * A `phoneNumber` (or `phone`, `to`) column holding an E.164 number; the E.164 form is suggested.
 * libphonenumber-js loads with the command, not with every CLI start.
 */
export async function phoneColumn(): Promise<RecipientColumn> {
  const { checkE164 } = await import('../kit/phone.js');
  return {
    names: ['phonenumber', 'phone', 'to'],
    check: (v) => {
      const r = checkE164(v);
      return r.ok ? undefined : `"${v}": ${r.message}`;
    },
  };
}

interface SmsBulkFlags extends BulkRunFlags {
  message?: string;
  from?: string;
  channel: string;
}

export function smsBulkCommand(): Command {
  return new Command('bulk')
    .description(`Text every row of a CSV through a running hub (API key scopes: ${SMS_BULK_SCOPES})`)
    .requiredOption('--csv <file>', 'CSV with a header row; a "phoneNumber" (or "phone", "to") column in E.164 and any variables')
    .option('--message <text>', 'the text, with {{column}} placeholders')
    .option('--from <sender>', 'sender: a number of the account, an alphanumeric id or a Messaging Service SID')
    .option('--channel <channel>', 'sms or whatsapp', 'sms')
    .option('--url <url>', 'hub URL (default: SWITCHBOARD_URL, else http://127.0.0.1:$PORT, PORT default 3001)')
    .option('--key <key>', `API key with the scopes ${SMS_BULK_SCOPES} (default: SWITCHBOARD_API_KEY)`)
    .option('--job <id>', 'watch this bulk job (started earlier from the same CSV) instead of sending')
    .option('--poll-ms <ms>', 'how often to ask the hub for progress', '500')
    .option('--patience <seconds>', 'how long to keep trying while the hub does not answer', '300')
    .action(async (o: SmsBulkFlags) =>
      runBulk(o, {
        hint: KEY_HINT,
        path: '/api/v1/integrations/sms/bulk',
        command: 'sms bulk',
        column: await phoneColumn(),
        check: () => {
          if (!o.job && !o.message) throw new Error('no --message: give the text to send, with {{column}} placeholders');
        },
        body: (recipients) => ({ message: o.message, from: o.from, channel: o.channel, recipients: recipients.map(({ to, variables }) => ({ phoneNumber: to, variables })) }),
      }),
    );
}
