/**
 * Slash commands for library users: `hub.chat.command('/deal', handler)`. A verified command
 * becomes a `chat.command` event; when it is recorded, a durable `chat.command` job is enqueued in
 * the same transaction for a command with a handler (so none is lost to a crash); the job calls
 * the handler and posts what it returns to the command's `response_url` through the transport.
 * Slack got its 200 long before (the inbox acknowledges at once), within its 3 seconds.
 *
 * A handler may also answer later itself with `cmd.respond(reply)` (Slack takes up to 5 answers
 * within 30 minutes). A handler that throws is run again by the queue (up to
 * {@link COMMAND_MAX_ATTEMPTS} runs), so it should be safe to repeat.
 *
 * @see https://api.slack.com/interactivity/slash-commands#responding_to_commands
 */
import { HubError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ConnectionManager } from '../../connections/connections.js';
import { rowToEvent, type EventStore, type UnifiedEvent } from '../../events/event-store.js';
import { enqueue, type Queue } from '../../queue/queue.js';
import type { Store } from '../../store/store.js';
import type { ChatCommandData, ChatReply } from './contract.js';
import { parseInput } from '../../core/validation.js';
import { replyInput } from './schemas.js';

export const COMMAND_JOB = 'chat.command';
export const COMMAND_MAX_ATTEMPTS = 5;

/** What a command handler gets: the command's fields, the event, and a way to answer later. */
export interface ChatCommand extends ChatCommandData {
  event: UnifiedEvent;
  /** Post an answer to the command's response_url now (the returned value is posted too). */
  respond(reply: ChatReply | string): Promise<void>;
  attempt: number;
}

/** Returns the answer (text or a reply), or nothing when it answers by itself or not at all. */
export type ChatCommandHandler = (command: ChatCommand) => ChatReply | string | undefined | void | Promise<ChatReply | string | undefined | void>;

/** `/Deal` and `deal` name the same command as `/deal`. */
export function commandName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.startsWith('/') ? n : `/${n}`;
}

export class ChatCommands {
  private readonly handlers = new Map<string, ChatCommandHandler>();

  constructor(private readonly o: { store: Store; queue: Queue; events: EventStore; connections: ConnectionManager; logger: Logger }) {
    o.events.onRecord(async (trx, event) => {
      if (event.type !== 'chat.command' || !this.handlers.has(commandName(String(event.data.command ?? '')))) return;
      await enqueue(trx, { type: COMMAND_JOB, payload: { eventId: event.id }, maxAttempts: COMMAND_MAX_ATTEMPTS });
    });
    o.queue.register<{ eventId: string }>(COMMAND_JOB, (p, job) => this.run(p.eventId, job.attempt));
    o.events.subscribe((event) => {
      if (event.type === 'chat.command') o.queue.wake();
    });
  }

  /**
   * Register the handler of a slash command (one per command; register the same in every process).
   *
   * @example
   * hub.chat.command('/deal', async (cmd) => `Deal ${cmd.text} is ${await crm.stage(cmd.text)}`);
   */
  register(name: string, handler: ChatCommandHandler): void {
    const key = commandName(name);
    if (!/^\/[a-z0-9_-]{1,31}$/.test(key)) throw new HubError('validation_failed', `chat.command: "${name}" is not a slash command name such as /deal`);
    if (this.handlers.has(key)) throw new HubError('conflict', `chat.command: ${key} already has a handler`);
    this.handlers.set(key, handler);
  }

  /** Post `reply` to `responseUrl` through the connection the command came from. */
  async respond(event: Pick<UnifiedEvent, 'tenantId' | 'provider' | 'connectionId'>, responseUrl: string, reply: ChatReply | string): Promise<void> {
    const r = parseInput(replyInput, reply);
    const conn = event.connectionId ? await this.o.connections.byId(event.connectionId) : await this.o.connections.forTenant(event.tenantId, event.provider);
    if (!conn) throw new HubError('not_configured', `${event.provider} is not configured: the command cannot be answered`, { provider: event.provider });
    const workspace = this.o.connections.connectorFor(conn, 'chat').workspace;
    if (!workspace) throw new HubError('capability_unsupported', `${event.provider} cannot answer commands`, { provider: event.provider });
    await workspace.respond(responseUrl, typeof r === 'string' ? { text: r } : r);
  }

  private async run(eventId: string, attempt: number): Promise<void> {
    const row = await this.o.store.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
    if (!row) {
      this.o.logger.warn({ event: eventId }, 'chat: command job for an event no longer stored; skipped');
      return;
    }
    const event = rowToEvent(row);
    const data = event.data as unknown as ChatCommandData;
    const handler = this.handlers.get(commandName(data.command));
    if (!handler) throw new HubError('internal_error', `no handler for ${data.command} in this process (register the same hub.chat.command handlers in every process)`, { retryAfter: 1 });
    const respond = (reply: ChatReply | string) => this.respond(event, data.responseUrl, reply);
    const answer = await handler({ ...data, event, respond, attempt });
    if (answer !== undefined && answer !== null && answer !== '') await respond(answer);
  }
}
