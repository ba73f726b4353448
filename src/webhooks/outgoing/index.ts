/**
 * Installs outgoing webhooks on a hub: endpoints API, fan-out of recorded events, signed delivery
 * with retries, attempts, resend and recovery.
 */
import type { Hub } from '../../hub.js';

export function installOutgoing(_hub: Hub): void {
  // filled in by the outgoing module
}
