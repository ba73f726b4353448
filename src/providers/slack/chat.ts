/**
 * The Slack chat connector: the Web API methods the category uses, each one call through the
 * transport (form-encoded POST for writes, GET with a query for reads, as Slack's reference
 * describes them), `ok` checked on every answer.
 *
 * @see https://api.slack.com/methods/chat.postMessage
 * @see https://api.slack.com/methods/conversations.list
 */
import { HubError, validationError } from '../../core/errors.js';
import type { ChatCapability, ChatChannel, ChatMessage, ChatProvider, ChatReply, ChatSendResult, ChatUser, ChatWorkspace } from '../../categories/chat/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import { slackApiError, type SlackAnswer } from './errors.js';
import type { SlackCredentials } from './manifest.js';

const CAPABILITIES: ReadonlySet<ChatCapability> = new Set<ChatCapability>(['blocks', 'threads', 'update', 'delete', 'channels', 'users', 'commands']);

/** A Slack conversation object (the fields the hub reads). */
export interface SlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_member?: boolean;
  topic?: { value?: string };
}

/** A Slack user object (the fields the hub reads). */
export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  is_bot?: boolean;
  profile?: { email?: string; real_name?: string };
}

const toChannel = (c: SlackChannel): ChatChannel => ({ id: c.id, name: c.name, isPrivate: c.is_private === true, isMember: c.is_member === true, ...(c.topic?.value ? { topic: c.topic.value } : {}) });

/** Slack's form encoding: strings as they are, arrays and objects as JSON. */
function form(params: Record<string, unknown>): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    out.set(k, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return out;
}

/**
 * The Slack connector of one connection.
 *
 * @example
 * const chat = createSlackChat(ctx);
 * await chat.send({ channel: 'C0GENERAL', text: 'Deploy finished' });
 */
export function createSlackChat(ctx: ProviderContext<SlackCredentials>): ChatProvider {
  const call = async <T extends SlackAnswer>(method: string, params: Record<string, unknown>, read = false): Promise<T> => {
    const res = await ctx.http.request(
      read
        ? { method: 'GET', path: `/${method}`, query: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])), operation: `chat.${method}` }
        : { method: 'POST', path: `/${method}`, body: form(params), operation: `chat.${method}` },
    );
    let body: T;
    try {
      body = res.json<T>();
    } catch {
      throw new HubError('provider_error', `Slack ${method} answered something that is not JSON (HTTP ${res.status})`, { provider: 'slack', providerStatus: res.status });
    }
    if (body.ok !== true) throw slackApiError(method, body, res.status);
    return body;
  };

  const sent = (answer: SlackAnswer & { channel?: string; ts?: string }): ChatSendResult => ({
    provider: 'slack',
    providerMessageId: answer.ts ?? null,
    channel: answer.channel ?? null,
    ts: answer.ts ?? null,
    raw: answer,
  });

  const workspace: ChatWorkspace = {
    async update({ channel, ts, text, blocks }) {
      return sent(await call('chat.update', { channel, ts, text, blocks }));
    },
    async delete({ channel, ts }) {
      const a = await call<SlackAnswer & { channel: string; ts: string }>('chat.delete', { channel, ts });
      return { channel: a.channel, ts: a.ts };
    },
    async listChannels({ limit, cursor, types }) {
      const a = await call<SlackAnswer & { channels: SlackChannel[] }>('conversations.list', { limit, cursor, types: types ?? 'public_channel,private_channel', exclude_archived: 'true' }, true);
      return { channels: a.channels.map(toChannel), nextCursor: a.response_metadata?.next_cursor || null };
    },
    async createChannel({ name, isPrivate }) {
      const a = await call<SlackAnswer & { channel: SlackChannel }>('conversations.create', { name, is_private: isPrivate ? 'true' : undefined });
      return toChannel(a.channel);
    },
    async invite({ channel, users }) {
      const a = await call<SlackAnswer & { channel: SlackChannel }>('conversations.invite', { channel, users: users.join(',') });
      return toChannel(a.channel);
    },
    async lookupUserByEmail(email) {
      const { user } = await call<SlackAnswer & { user: SlackUser }>('users.lookupByEmail', { email }, true);
      const out: ChatUser = { id: user.id, name: user.name, isBot: user.is_bot === true };
      const realName = user.real_name ?? user.profile?.real_name;
      if (realName) out.realName = realName;
      if (user.profile?.email) out.email = user.profile.email;
      return out;
    },
    async respond(responseUrl, reply: ChatReply) {
      checkResponseUrl(responseUrl, ctx.connection.mode, ctx.connection.baseUrl);
      const body = { text: reply.text, blocks: reply.blocks, response_type: reply.responseType ?? 'ephemeral', ...(reply.replaceOriginal ? { replace_original: true } : {}) };
      // No token: a response_url is its own credential (valid 30 minutes, 5 answers).
      await ctx.http.request({ method: 'POST', path: responseUrl, body, auth: { type: 'none' }, operation: 'chat.respond', secrets: [new URL(responseUrl).pathname] });
    },
  };

  return {
    id: 'slack',
    kind: 'workspace',
    capabilities: CAPABILITIES,
    workspace,
    async send(message: ChatMessage) {
      if (!message.channel) throw validationError('channel', 'is required for Slack: a channel id (C…) or name');
      return sent(await call('chat.postMessage', { channel: message.channel, text: message.text, blocks: message.blocks, thread_ts: message.threadTs }));
    },
  };
}

/**
 * A response_url from a verified Slack request: live, only Slack's own HTTPS hosts; in sandbox,
 * the emulator's origin too.
 */
function checkResponseUrl(url: string, mode: 'sandbox' | 'live', baseUrl: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw validationError('responseUrl', 'is not a URL');
  }
  const slack = u.protocol === 'https:' && (u.hostname === 'slack.com' || u.hostname.endsWith('.slack.com'));
  const emulator = mode === 'sandbox' && baseUrl !== '' && u.origin === new URL(baseUrl).origin;
  if (!slack && !emulator) throw validationError('responseUrl', `must be a Slack URL (https://hooks.slack.com/…), not ${u.origin}`);
}
