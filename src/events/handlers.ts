/**
 * In-process event handlers (`hub.on(pattern, handler)`) that are never lost: when an event is
 * recorded, one durable job per matching handler is enqueued in the same transaction; the job
 * loads the event and calls the handler; a handler that throws is retried by the queue on its
 * jittered schedule (up to {@link HANDLER_MAX_ATTEMPTS} runs, then dead-lettered with the error).
 *
 * A handler's key is its pattern plus its index among the handlers of that pattern
 * (`email.bounced#0`), so a restarted process that registers the same handlers in the same order
 * picks up the jobs its predecessor left. Processes sharing a database must register the same
 * handlers: a job whose key this process does not know is retried (another process may know it).
 */
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { enqueue, type JobContext, type Queue } from '../queue/queue.js';
import type { Store, Trx } from '../store/store.js';
import { rowToEvent, type EventStore, type UnifiedEvent } from './event-store.js';
import { isTypePattern, matchesType, type EventDataMap } from './types.js';

/** The job type the handlers run under. */
export const HANDLER_JOB = 'events.handler';
/** Runs of a handler job before it is dead-lettered (about half a day on the default schedule). */
export const HANDLER_MAX_ATTEMPTS = 20;

/** What a handler gets: the event with `data` typed when the pattern is a known exact type. */
export type EventFor<P extends string> = P extends keyof EventDataMap ? UnifiedEvent & { type: P; data: EventDataMap[P] } : UnifiedEvent;

/** Where the call stands in its retries. */
export interface HandlerContext {
  /** 1 on the first call. */
  attempt: number;
  jobId: string;
  /** Aborted when the process stops abruptly. */
  signal: AbortSignal;
}

export type EventHandler<P extends string = string> = (event: EventFor<P>, ctx: HandlerContext) => unknown;

interface HandlerPayload {
  key: string;
  eventId: string;
}

export class EventHandlers {
  private readonly handlers = new Map<string, { pattern: string; fn: EventHandler }>();
  private readonly perPattern = new Map<string, number>();

  constructor(
    private readonly o: { store: Store; queue: Queue; events: EventStore; logger?: Logger },
  ) {
    o.events.onRecord((trx, event) => this.fanOut(trx, event));
    o.queue.register<HandlerPayload>(HANDLER_JOB, (payload, job) => this.run(payload, job));
    // Jobs were committed with the event: start them now rather than at the next queue poll.
    o.events.subscribe((event) => {
      if ([...this.handlers.values()].some((h) => matchesType(h.pattern, event.type))) o.queue.wake();
    });
  }

  /**
   * Register `handler` for events matching `pattern`; returns its stable key.
   *
   * @example
   * handlers.on('email.bounced', async (event) => { await crm.markBounced(event.data.recipient); });
   */
  on<P extends string>(pattern: P, handler: EventHandler<P>): string {
    if (!isTypePattern(pattern)) throw new HubError('validation_failed', `hub.on: "${pattern}" is not a type pattern; use an exact type (email.bounced), a wildcard (email.*) or *`);
    const index = this.perPattern.get(pattern) ?? 0;
    this.perPattern.set(pattern, index + 1);
    const key = `${pattern}#${index}`;
    this.handlers.set(key, { pattern, fn: handler as EventHandler });
    return key;
  }

  private async fanOut(trx: Trx, event: UnifiedEvent): Promise<void> {
    for (const [key, h] of this.handlers) {
      if (!matchesType(h.pattern, event.type)) continue;
      await enqueue(trx, { type: HANDLER_JOB, payload: { key, eventId: event.id } satisfies HandlerPayload, maxAttempts: HANDLER_MAX_ATTEMPTS });
    }
  }

  private async run(payload: HandlerPayload, job: JobContext): Promise<void> {
    const handler = this.handlers.get(payload.key);
    if (!handler) throw new HubError('internal_error', `no event handler "${payload.key}" in this process (register the same hub.on handlers, in the same order, in every process)`, { retryAfter: 1 });
    const row = await this.o.store.db.selectFrom('events').selectAll().where('id', '=', payload.eventId).executeTakeFirst();
    if (!row) {
      this.o.logger?.warn({ event: payload.eventId, handler: payload.key }, 'events: handler job for an event no longer stored; skipped');
      return;
    }
    try {
      await handler.fn(rowToEvent(row), { attempt: job.attempt, jobId: job.id, signal: job.signal });
    } catch (err) {
      // Always retried (a handler's own HubError may say "not retryable"; the hub still retries it).
      const message = err instanceof Error ? err.message : String(err);
      throw new HubError('internal_error', `event handler "${payload.key}" failed on ${payload.eventId}: ${message}`, { cause: err, retryable: true });
    }
  }
}
