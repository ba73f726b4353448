/**
 * Radicale for tests: the CalDAV sandbox server itself (`providers/caldav/emulator/radicale.ts`),
 * and a CalDAV connector bound to it through a real Transport whose audit entries are kept.
 * Without Radicale the suites skip with a loud warning, and fail under CI=true.
 */
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { CalendarProvider } from '../../src/categories/calendar/contract.js';
import type { ResolvedConnection } from '../../src/kit/connector.js';
import type { AuditEntry } from '../../src/transport/types.js';
import { Transport } from '../../src/transport/transport.js';
import { caldav, startRadicaleEmulator, type RadicaleEmulator } from '../../src/providers/caldav/index.js';
import { radicalePython } from '../../src/providers/caldav/emulator/radicale.js';

export const inCi = process.env.CI === 'true';
/** Whether the suites can run (Radicale importable by some Python). */
export const radicaleInstalled = radicalePython() !== undefined;

if (!radicaleInstalled && !inCi) {
  console.warn('\n!!! Radicale is not installed: the CalDAV suites are SKIPPED. Install it with `apt-get install radicale` (CI installs it and fails without it).\n');
}

/** Throws under CI=true when Radicale is missing (call in beforeAll). */
export function requireRadicale(): void {
  if (!radicaleInstalled) throw new Error('CI=true but Radicale is not installed: add `apt-get install -y radicale` to the CI image (.ci/run does)');
}

export interface CaldavUnderTest {
  radicale: RadicaleEmulator;
  provider: CalendarProvider;
  audit: AuditEntry[];
  transport: Transport;
  /** Another connector on the same server with other credentials or calendar. */
  connect(credentials?: Partial<RadicaleEmulator['credentials'] & { calendar: string }>, options?: { maxAttempts?: number }): CalendarProvider;
  close(): Promise<void>;
}

/**
 * Starts Radicale and a connector for it.
 *
 * @example
 * const t = await startCaldav(); await t.provider.listCalendars(); await t.close();
 */
export async function startCaldav(): Promise<CaldavUnderTest> {
  requireRadicale();
  const radicale = await startRadicaleEmulator({ username: 'alice@example.com', password: 'alice-secret' });
  const audit: AuditEntry[] = [];
  const transport = new Transport({ audit: (e) => audit.push(e) });
  const connect: CaldavUnderTest['connect'] = (credentials = {}, options = {}) => {
    const creds = { ...radicale.credentials, ...credentials };
    const connection: ResolvedConnection = { id: `conn_caldav_${Object.keys(credentials).join('_') || 'main'}`, tenantId: 't', provider: 'caldav', mode: 'live', baseUrl: creds.url, credentials: creds };
    const manifest = options.maxAttempts ? { ...caldav.manifest, retry: { maxAttempts: options.maxAttempts } } : caldav.manifest;
    const http = transport.forConnection(manifest as never, connection);
    return caldav.calendar!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
  };
  return { radicale, provider: connect(), audit, transport, connect, close: () => radicale.close() };
}
