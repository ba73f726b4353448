/**
 * The calendar contract suite against the CalDAV connector and Radicale, a real CalDAV server
 * nobody on this team wrote, through a real Transport.
 */
import { describe } from 'vitest';
import { calendarContractSuite } from '../src/categories/calendar/contract-suite.js';
import { inCi, radicaleInstalled, startCaldav } from './helpers/radicale.js';

describe.skipIf(!radicaleInstalled && !inCi)('caldav against Radicale', () => {
  calendarContractSuite('caldav', async () => {
    const t = await startCaldav();
    return {
      provider: t.provider,
      accountEmail: 'alice@example.com',
      // A token of Radicale's form that it never issued.
      expireCursor: async () => `http://radicale.org/ns/sync/${'0'.repeat(64)}`,
      teardown: () => t.close(),
    };
  });
});
