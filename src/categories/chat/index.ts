/**
 * The `chat` category, declared once: Slack (a bot in a workspace: every operation, inbound
 * events, slash commands, interactivity) and the Teams and Discord incoming webhooks
 * (notification-only) behind one contract; notifications fail over along `CHAT_PROVIDERS` only
 * when a provider surely did not post.
 */
import { defineCategory } from '../category.js';
import { ChatCommands } from './commands.js';
import { CHAT_ERROR_CODES } from './errors.js';
import { CHAT_EVENT_DESCRIPTIONS } from './events.js';
import { chatRoutes } from './routes.js';
import { ChatService } from './service.js';
import { recordEventsSink } from '../event-sink.js';
import { CHAT_EVENT_TYPES } from './contract.js';

export const chatCategory = defineCategory({
  name: 'chat',
  title: 'Chat',
  failover: 'not-acted',
  errorCodes: CHAT_ERROR_CODES,
  eventTypes: { chat: CHAT_EVENT_DESCRIPTIONS },
  scopes: {
    'chat:send': 'Post, update and delete chat messages',
    'chat:read': 'List channels and look users up',
    'chat:admin': 'Create channels and invite users',
  },
  create(ctx) {
    const commands = new ChatCommands({ store: ctx.store, queue: ctx.queue, events: ctx.events, connections: ctx.connections, logger: ctx.logger });
    const chat = new ChatService({ connections: ctx.connections, chain: ctx.chain, failover: ctx.failover, commands, clock: ctx.clock, logger: ctx.logger });
    return {
      service: chat,
      routes: [chatRoutes(chat)],
      sinks: [recordEventsSink(ctx.store, ctx.events, CHAT_EVENT_TYPES)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Chat messages, channels, users and slash commands (`hub.chat.command`). */
    chat: ChatService;
  }
}
