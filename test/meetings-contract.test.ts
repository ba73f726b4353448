/**
 * The meetings contract suite run against Zoom through a real Transport to the Zoom emulator,
 * with the S2S token from a storeless token manager (as a connector outside a hub gets it).
 */
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { meetingsContractSuite } from '../src/categories/meetings/contract-suite.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { Transport } from '../src/transport/transport.js';
import { startZoomEmulator, zoom } from '../src/providers/zoom/index.js';

meetingsContractSuite('zoom', async () => {
  const emulator = await startZoomEmulator();
  const connection: ResolvedConnection = { id: 'conn_contract_zoom', tenantId: 't', provider: 'zoom', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials };
  const http = new Transport().forConnection(zoom.manifest as never, connection);
  const provider = zoom.meetings!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
  return {
    provider,
    chaos: emulator.chaos,
    async endMeeting(meetingId, o) {
      await emulator.startMeeting(meetingId);
      for (const name of o.participants) await emulator.join(meetingId, { name });
      await emulator.endMeeting(meetingId, { record: o.record });
    },
    teardown: () => emulator.close(),
  };
});
