/**
 * Installs the event stream's API on a hub: `GET /api/v1/events`, `/events/:id`, `/events/stream`
 * (SSE) and `hub.on(type, handler)`.
 */
import type { Hub } from '../hub.js';

export function installEvents(_hub: Hub): void {
  // filled in by the events module
}
