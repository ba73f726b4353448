/**
 * The `chat` category: provider-agnostic types every chat connector implements. Two kinds of
 * provider: a workspace (Slack: a bot in a workspace, every operation) and a notification-only
 * incoming webhook (Microsoft Teams, Discord: post a message to the one channel the webhook names).
 * What a provider can do beyond `send` is its `workspace` part (absent on a notification-only one)
 * and its `capabilities`.
 *
 * @see docs/chat.md
 */

/** A message to post. `blocks` are Slack Block Kit; other providers render `text` (and a card). */
export interface ChatMessage {
  /** Slack: channel id (`C…`) or name; notification-only providers post to their webhook's channel. */
  channel?: string;
  text: string;
  /** Slack Block Kit blocks (passed as they are; `text` is the notification fallback). */
  blocks?: Record<string, unknown>[];
  /** Reply in the thread of this message (Slack `thread_ts`). */
  threadTs?: string;
}

export interface ChatSendResult {
  provider: string;
  /** The provider's id of the message: Slack's `ts`, Discord's message id; Teams answers none (null). */
  providerMessageId: string | null;
  /** The channel the message went to, when the provider says (Slack's channel id, Discord's channel_id). */
  channel: string | null;
  /** Slack's message timestamp (its id within the channel), for updates, deletes and thread replies. */
  ts: string | null;
  raw: unknown;
}

export interface ChatChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isMember: boolean;
  topic?: string;
}

export interface ChatUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot: boolean;
}

/** A page of channels; `nextCursor` is null on the last page. */
export interface ChatChannelPage {
  channels: ChatChannel[];
  nextCursor: string | null;
}

export type ChatCapability = 'blocks' | 'threads' | 'update' | 'delete' | 'channels' | 'users' | 'commands';

/** What only a workspace provider (Slack) can do. */
export interface ChatWorkspace {
  update(input: { channel: string; ts: string; text: string; blocks?: Record<string, unknown>[] }): Promise<ChatSendResult>;
  delete(input: { channel: string; ts: string }): Promise<{ channel: string; ts: string }>;
  listChannels(input: { limit?: number; cursor?: string; types?: string }): Promise<ChatChannelPage>;
  createChannel(input: { name: string; isPrivate?: boolean }): Promise<ChatChannel>;
  invite(input: { channel: string; users: string[] }): Promise<ChatChannel>;
  lookupUserByEmail(email: string): Promise<ChatUser>;
  /** Answer a slash command or interaction at the `response_url` its request carried. */
  respond(responseUrl: string, message: ChatReply): Promise<void>;
}

/** An answer to a command or interaction (Slack's response_url body). */
export interface ChatReply {
  text?: string;
  blocks?: Record<string, unknown>[];
  /** `ephemeral` (default, only the user sees it) or `in_channel`. */
  responseType?: 'ephemeral' | 'in_channel';
  replaceOriginal?: boolean;
}

export interface ChatProvider {
  readonly id: string;
  /** `workspace`: every operation; `notification`: `send` only (an incoming webhook). */
  readonly kind: 'workspace' | 'notification';
  readonly capabilities: ReadonlySet<ChatCapability>;
  /** Post a message. Throws HubError (mapped) on failure; `details.sent: false` when surely not delivered. */
  send(message: ChatMessage): Promise<ChatSendResult>;
  /** Present on workspace providers only. */
  readonly workspace?: ChatWorkspace;
}

/** Normalized inbound types (the `type` of an InboundEvent). */
export const CHAT_EVENT_TYPES = ['chat.message', 'chat.command', 'chat.interaction', 'chat.reaction_added'] as const;
export type ChatEventType = (typeof CHAT_EVENT_TYPES)[number];

/** `data` of `chat.message`. */
export interface ChatMessageData {
  channel: string;
  user: string | null;
  text: string;
  ts: string;
  threadTs: string | null;
  teamId: string | null;
  subtype: string | null;
}

/** `data` of `chat.command`: a slash command (`/deal 42`). */
export interface ChatCommandData {
  command: string;
  text: string;
  user: string;
  userName: string | null;
  channel: string;
  channelName: string | null;
  teamId: string | null;
  triggerId: string | null;
  responseUrl: string;
}

/** `data` of `chat.interaction`: a button, menu, shortcut or modal submission. */
export interface ChatInteractionData {
  kind: string;
  user: string | null;
  channel: string | null;
  teamId: string | null;
  actions: { actionId: string; value: string | null; blockId: string | null }[];
  callbackId: string | null;
  triggerId: string | null;
  responseUrl: string | null;
}

/** `data` of `chat.reaction_added`. */
export interface ChatReactionData {
  reaction: string;
  user: string | null;
  channel: string | null;
  ts: string | null;
  teamId: string | null;
}

export interface ChatEventDataMap {
  'chat.message': ChatMessageData;
  'chat.command': ChatCommandData;
  'chat.interaction': ChatInteractionData;
  'chat.reaction_added': ChatReactionData;
}

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    /** `providers/<id>/index.ts` sets `chat: (ctx) => ChatProvider`. */
    chat: ChatProvider;
  }
}
