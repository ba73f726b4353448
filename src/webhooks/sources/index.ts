/**
 * Installs custom inbound sources on a hub: `POST /api/v1/webhooks/sources` and
 * `POST /webhooks/sources/:sourceId`.
 */
import type { Hub } from '../../hub.js';

export function installSources(_hub: Hub): void {
  // filled in by the sources module
}
