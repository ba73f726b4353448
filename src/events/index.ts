/**
 * Installs the event stream's API on a hub: `GET /api/v1/events`, `/events/:id`, `/events/stream`
 * (SSE) and `hub.on(type, handler)`.
 *
 * Settings (config.ts): `EVENTS_SSE_HEARTBEAT_MS` (15000): comment line interval on idle streams;
 * `EVENTS_POLL_MS` (1000): how often streams read events committed by other processes;
 * `EVENTS_COMMIT_GRACE_MS` (10000): longest insert-to-commit time the tail waits for before
 * passing a `seq` (see `tail.ts`).
 */
import { HubError } from '../core/errors.js';
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Queue } from '../queue/queue.js';
import type { Store } from '../store/store.js';
import type { EventStore } from './event-store.js';
import { eventRoutes, type EventRouteDeps, type EventStreams } from './routes.js';
import { EventHandlers, type EventHandler } from './handlers.js';
import { SseStream } from './sse.js';
import { EventTail } from './tail.js';

export { matchesType, isTypePattern, eventTypeList, type EventType } from './types.js';
export type { EventHandler, EventFor, HandlerContext } from './handlers.js';

export interface EventsSettings {
  heartbeatMs: number;
  pollMs: number;
  graceMs: number;
}

/** What the routes and `hub.on` reach. */
export interface EventsModule extends EventStreams {
  settings: EventsSettings;
  handlers: EventHandlers;
  tail: EventTail;
}

/** What the events module needs from its host (the hub satisfies it). */
export interface EventsHost extends EventRouteDeps {
  config: { events: EventsSettings };
  logger: Logger;
  store: Store;
  queue: Queue;
  clock: Clock;
  events: EventStore;
  routePlugins: FastifyPluginAsync[];
  onClose(hook: () => Promise<void>): void;
}

const modules = new WeakMap<EventsHost, EventsModule>();

/**
 * Wire the event stream into `hub` (called once by `createHub`).
 *
 * @example
 * installEvents(hub); // then hub.on('email.bounced', handler) and GET /api/v1/events work
 */
export function installEvents(hub: EventsHost): void {
  const settings: EventsSettings = hub.config.events;
  const logger = hub.logger.child({ mod: 'events' });
  const tail = new EventTail(hub.events, hub.store, { pollMs: settings.pollMs, graceMs: settings.graceMs, clock: hub.clock, logger });
  const handlers = new EventHandlers({ store: hub.store, queue: hub.queue, events: hub.events, logger });
  const open = new Set<SseStream>();
  const module: EventsModule = {
    settings,
    handlers,
    tail,
    async stream(res, filter, lastSeq, headers) {
      const s = new SseStream(res, filter, { store: hub.store, tail, clock: hub.clock, heartbeatMs: settings.heartbeatMs, graceMs: settings.graceMs, keepMs: 2 * settings.graceMs + 4 * settings.pollMs, logger });
      open.add(s);
      try {
        await s.start(lastSeq, headers);
        await s.ended;
      } finally {
        open.delete(s);
      }
    },
  };
  modules.set(hub, module);
  hub.routePlugins.push(eventRoutes(hub, module));
  hub.onClose(async () => {
    for (const s of [...open]) s.close();
    await tail.stop();
  });
}

/**
 * `hub.on(pattern, handler)`: run `handler` from the durable queue for each event matching
 * `pattern` recorded from now on; returns the handler's stable key.
 *
 * @example
 * onEvent(hub, 'email.bounced', async (e) => { await crm.flag(e.data.recipient); });
 */
export function onEvent<P extends string>(hub: EventsHost, pattern: P, handler: EventHandler<P>): string {
  const module = modules.get(hub);
  if (!module) throw new HubError('internal_error', 'the events module is not installed on this hub');
  return module.handlers.on(pattern, handler);
}
