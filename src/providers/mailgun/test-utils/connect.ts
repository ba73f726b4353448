/**
 * Test wiring: a Mailgun connector on a real {@link Transport}, pointed at a base URL.
 */
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/logger.js';
import { Transport } from '../../../transport/transport.js';
import type { ProviderContext, ProviderManifest, ResolvedConnection } from '../../../kit/connector.js';
import { createMailgunEmail } from '../email.js';
import { mailgunCredentials, mailgunManifest, type MailgunCredentials } from '../manifest.js';

/**
 * A Mailgun email connector for `credentials` against `baseUrl` (an emulator's URL).
 *
 * @example
 * const email = connectMailgun(emu.url, emu.credentials);
 */
export function connectMailgun(baseUrl: string, credentials: Record<string, string>) {
  const creds: MailgunCredentials = mailgunCredentials.parse(credentials);
  const connection: ResolvedConnection<MailgunCredentials> = {
    id: 'conn_test',
    tenantId: 'ten_test',
    provider: 'mailgun',
    mode: 'sandbox',
    baseUrl,
    credentials: creds,
  };
  const http = new Transport().forConnection(mailgunManifest as unknown as ProviderManifest<never>, connection);
  const ctx: ProviderContext<MailgunCredentials> = { connection, http, clock: systemClock, logger: createLogger('silent') };
  return createMailgunEmail(ctx);
}
