/**
 * The chat service (`hub.chat`): notifications along `CHAT_PROVIDERS` with failover, and the
 * workspace operations (update, delete, channels, invite, users) that only a workspace provider
 * (Slack) can do, plus slash commands (`hub.chat.command`).
 *
 * A notification moves to the next provider only when the one before surely did not post it
 * (refused credentials, 429, unavailable before acting, not configured): the category's
 * `not-acted` policy, so a message is not posted twice. A refusal of the request itself (an
 * unknown channel, malformed blocks) stops the chain.
 */
import { HubError, validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { ConnectionManager } from '../../connections/connections.js';
import { parseInput } from '../../core/validation.js';
import type { CategoryContext } from '../category.js';
import type { UnifiedEvent } from '../../events/event-store.js';
import type { ChatChannel, ChatChannelPage, ChatProvider, ChatReply, ChatUser, ChatWorkspace } from './contract.js';
import type { ChatCommandHandler, ChatCommands } from './commands.js';
import {
  createChannelInput,
  deleteChatInput,
  inviteInput,
  listChannelsInput,
  lookupUserInput,
  sendChatInput,
  updateChatInput,
  type CreateChannelInput,
  type DeleteChatInput,
  type InviteInput,
  type ListChannelsInput,
  type SendChatInput,
  type UpdateChatInput,
} from './schemas.js';

/** What a send answers. */
export interface ChatSent {
  /** The hub's id of this send. */
  id: string;
  provider: string;
  /** The provider's message id (Slack's ts, Discord's message id; null for Teams). */
  providerMessageId: string | null;
  channel: string | null;
  ts: string | null;
  /** Providers tried before, and why they failed. */
  failures: { provider: string; code: string; message: string }[];
}

export interface ChatServiceOptions {
  connections: ConnectionManager;
  chain: string[];
  failover: CategoryContext['failover'];
  commands: ChatCommands;
  clock: Clock;
  logger: Logger;
}

export class ChatService {
  constructor(private readonly o: ChatServiceOptions) {}

  /**
   * Post a message: along the chain (or only to `provider`).
   *
   * @example
   * await hub.chat.send('default', { channel: 'C0GENERAL', text: 'Deploy finished' });
   */
  async send(tenantId: string, input: SendChatInput): Promise<ChatSent> {
    const v = parseInput(sendChatInput, input);
    this.checkProvider(v.provider);
    const attempt = async (id: string) => (await this.connector(tenantId, id)).send({ channel: v.channel, text: v.text, blocks: v.blocks, threadTs: v.threadTs });
    // One provider asked for: its own error, not an aggregate of one.
    const { provider, value, failures } = v.provider ? { provider: v.provider, value: await attempt(v.provider), failures: [] } : await this.o.failover(attempt, { providers: await this.chainFor(tenantId) });
    if (failures.length > 0) this.o.logger.warn({ provider, failures }, 'chat: failed over');
    return { id: newId('chat', this.o.clock.now()), provider, providerMessageId: value.providerMessageId, channel: value.channel, ts: value.ts, failures };
  }

  /** Change a message the bot posted (Slack). */
  async update(tenantId: string, input: UpdateChatInput) {
    const v = parseInput(updateChatInput, input);
    const { provider, workspace } = await this.workspace(tenantId, v.provider, 'update a message');
    const r = await workspace.update({ channel: v.channel, ts: v.ts, text: v.text, blocks: v.blocks });
    return { provider, channel: r.channel, ts: r.ts };
  }

  /** Delete a message the bot posted (Slack). */
  async delete(tenantId: string, input: DeleteChatInput) {
    const v = parseInput(deleteChatInput, input);
    const { provider, workspace } = await this.workspace(tenantId, v.provider, 'delete a message');
    return { provider, ...(await workspace.delete({ channel: v.channel, ts: v.ts })) };
  }

  /** Channels the bot can see, a page at a time. */
  async listChannels(tenantId: string, input: ListChannelsInput = {}): Promise<ChatChannelPage & { provider: string }> {
    const v = parseInput(listChannelsInput, input);
    const { provider, workspace } = await this.workspace(tenantId, v.provider, 'list channels');
    return { provider, ...(await workspace.listChannels({ limit: v.limit, cursor: v.cursor, types: v.types })) };
  }

  async createChannel(tenantId: string, input: CreateChannelInput): Promise<ChatChannel & { provider: string }> {
    const v = parseInput(createChannelInput, input);
    const { provider, workspace } = await this.workspace(tenantId, v.provider, 'create a channel');
    return { provider, ...(await workspace.createChannel({ name: v.name, isPrivate: v.isPrivate })) };
  }

  async invite(tenantId: string, channel: string, input: InviteInput): Promise<ChatChannel & { provider: string }> {
    const v = parseInput(inviteInput, input);
    const { provider, workspace } = await this.workspace(tenantId, v.provider, 'invite users');
    return { provider, ...(await workspace.invite({ channel, users: v.users })) };
  }

  async lookupUserByEmail(tenantId: string, email: string, provider?: string): Promise<ChatUser & { provider: string }> {
    const v = parseInput(lookupUserInput, { email, provider });
    const w = await this.workspace(tenantId, v.provider, 'look users up');
    return { provider: w.provider, ...(await w.workspace.lookupUserByEmail(v.email)) };
  }

  /**
   * Handle a slash command: what the handler returns is posted to the command's response_url.
   *
   * @example
   * hub.chat.command('/deal', (cmd) => ({ text: `Deal ${cmd.text}: won`, responseType: 'in_channel' }));
   */
  command(name: string, handler: ChatCommandHandler): void {
    this.o.commands.register(name, handler);
  }

  /**
   * Answer a `chat.command` or `chat.interaction` event at its `response_url` (Slack takes 5 answers
   * within 30 minutes), through the connection the event came from.
   *
   * @example
   * hub.on('chat.interaction', (event) => hub.chat.respond(event, { text: 'Approved', replaceOriginal: true }));
   */
  async respond(event: Pick<UnifiedEvent, 'tenantId' | 'provider' | 'connectionId' | 'data'>, reply: ChatReply | string): Promise<void> {
    const url = event.data.responseUrl;
    if (typeof url !== 'string' || url === '') throw validationError('event', 'has no data.responseUrl: only chat.command and chat.interaction events can be answered');
    await this.o.commands.respond(event, url, reply);
  }

  /**
   * The chain of a notification: when some of its providers are live, only those. A live hub never
   * fails over to a provider that runs on its emulator (the message would reach nobody).
   */
  private async chainFor(tenantId: string): Promise<string[]> {
    const modes = await Promise.all(this.o.chain.map(async (p) => (await this.o.connections.forTenant(tenantId, p).catch(() => undefined))?.mode));
    const live = this.o.chain.filter((_, i) => modes[i] === 'live');
    return live.length > 0 ? live : this.o.chain;
  }

  private checkProvider(provider: string | undefined): void {
    if (provider !== undefined && !this.o.chain.includes(provider)) throw validationError('provider', `must be one of CHAT_PROVIDERS: ${this.o.chain.join(', ')}`);
  }

  private async connector(tenantId: string, provider: string): Promise<ChatProvider> {
    const conn = await this.o.connections.forTenant(tenantId, provider);
    if (!conn) throw new HubError('not_configured', `${provider} is not configured for chat`, { provider });
    return this.o.connections.connectorFor(conn, 'chat');
  }

  /** The provider asked for, else the first workspace provider of the chain; 422 on a notification-only one. */
  private async workspace(tenantId: string, asked: string | undefined, what: string): Promise<{ provider: string; workspace: ChatWorkspace }> {
    this.checkProvider(asked);
    const candidates = asked ? [asked] : this.o.chain;
    for (const provider of candidates) {
      let c: ChatProvider;
      try {
        c = await this.connector(tenantId, provider);
      } catch (err) {
        if (asked) throw err;
        continue;
      }
      if (c.workspace) return { provider, workspace: c.workspace };
      if (asked) {
        throw new HubError('capability_unsupported', `${provider} is a notification-only provider (an incoming webhook): it cannot ${what}; use slack`, { provider, details: { provider, kind: c.kind } });
      }
    }
    throw new HubError('capability_unsupported', `No provider of CHAT_PROVIDERS (${this.o.chain.join(', ') || 'none'}) can ${what}: add slack (SLACK_BOT_TOKEN)`, { details: { chain: this.o.chain } });
  }
}
