/**
 * The Slack emulator's workspace: users, channels with their members and messages (each with a
 * `ts`, replies in threads), and the Web API methods the hub uses, answering as Slack does
 * (`{ok: true, …}` or HTTP 200 `{ok: false, error}`).
 *
 * @see https://api.slack.com/methods
 */

export interface EmulatedUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
  deleted: boolean;
  profile: { email?: string; real_name: string; display_name: string };
}

export interface EmulatedMessage {
  type: 'message';
  ts: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  reply_count?: number;
  edited?: { user: string; ts: string };
}

export interface EmulatedChannel {
  id: string;
  name: string;
  is_channel: boolean;
  is_private: boolean;
  is_archived: boolean;
  created: number;
  creator: string;
  members: Set<string>;
  topic: { value: string; creator: string; last_set: number };
  messages: EmulatedMessage[];
}

export const TEAM_ID = 'T0EMULATOR';
export const BOT_USER = 'U0BOT';
export const BOT_ID = 'B0BOT';

type Params = Record<string, string | undefined>;
type Answer = Record<string, unknown>;
const fail = (error: string, extra: Answer = {}): Answer => ({ ok: false, error, ...extra });

export class Workspace {
  readonly users: EmulatedUser[] = [];
  readonly channels: EmulatedChannel[] = [];
  private lastTs = 0;
  private nextChannel = 1;

  constructor() {
    const user = (id: string, name: string, realName: string, email?: string, isBot = false) =>
      this.users.push({ id, team_id: TEAM_ID, name, real_name: realName, is_bot: isBot, deleted: false, profile: { ...(email ? { email } : {}), real_name: realName, display_name: name } });
    user(BOT_USER, 'switchboard', 'Switchboard', undefined, true);
    user('U0ADA', 'ada', 'Ada Lovelace', 'ada@sandbox.example.com');
    user('U0GRACE', 'grace', 'Grace Hopper', 'grace@sandbox.example.com');
    this.addChannel('C0GENERAL', 'general', false, [BOT_USER, 'U0ADA', 'U0GRACE']);
    this.addChannel('C0RANDOM', 'random', false, ['U0ADA']);
  }

  /** A new `ts`: seconds.micro, strictly increasing. */
  newTs(): string {
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }

  channel(idOrName: string | undefined): EmulatedChannel | undefined {
    if (!idOrName) return undefined;
    const name = idOrName.replace(/^#/, '');
    return this.channels.find((c) => c.id === idOrName || c.name === name);
  }

  private addChannel(id: string, name: string, isPrivate: boolean, members: string[]): EmulatedChannel {
    const c: EmulatedChannel = {
      id, name, is_channel: true, is_private: isPrivate, is_archived: false, created: Math.floor(Date.now() / 1000), creator: BOT_USER,
      members: new Set(members), topic: { value: '', creator: '', last_set: 0 }, messages: [],
    };
    this.channels.push(c);
    return c;
  }

  /** A conversation object as the API shows it to the bot. */
  view(c: EmulatedChannel): Answer {
    const { members, messages: _m, ...rest } = c;
    return { ...rest, is_group: false, is_im: false, is_member: members.has(BOT_USER), num_members: members.size, purpose: { value: '', creator: '', last_set: 0 } };
  }

  /** Runs one Web API method; undefined when the emulator does not know it (`unknown_method`). */
  call(method: string, p: Params): Answer | undefined {
    switch (method) {
      case 'api.test':
        return { ok: true, args: p };
      case 'auth.test':
        return { ok: true, url: 'https://emulator.slack.test/', team: 'Switchboard Emulator', user: 'switchboard', team_id: TEAM_ID, user_id: BOT_USER, bot_id: BOT_ID, is_enterprise_install: false };
      case 'chat.postMessage':
        return this.postMessage(p);
      case 'chat.update':
        return this.update(p);
      case 'chat.delete':
        return this.remove(p);
      case 'conversations.list':
        return this.list(p);
      case 'conversations.create':
        return this.create(p);
      case 'conversations.invite':
        return this.invite(p);
      case 'conversations.replies':
        return this.replies(p);
      case 'users.lookupByEmail': {
        const email = p.email?.trim().toLowerCase();
        if (!email) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: email'] } });
        const user = this.users.find((u) => u.profile.email?.toLowerCase() === email && !u.deleted);
        return user ? { ok: true, user } : fail('users_not_found');
      }
      default:
        return undefined;
    }
  }

  private blocksOf(p: Params): unknown[] | undefined | 'invalid' {
    if (p.blocks === undefined || p.blocks === '') return undefined;
    try {
      const blocks: unknown = JSON.parse(p.blocks);
      if (!Array.isArray(blocks) || blocks.length > 50 || !blocks.every((b) => b && typeof b === 'object' && typeof (b as Answer).type === 'string')) return 'invalid';
      return blocks;
    } catch {
      return 'invalid';
    }
  }

  /** The channel the bot may write to, or the error. */
  private writable(p: Params): { channel: EmulatedChannel } | { error: Answer } {
    const c = this.channel(p.channel);
    if (!c) return { error: fail('channel_not_found') };
    if (c.is_archived) return { error: fail('is_archived') };
    if (!c.members.has(BOT_USER)) return { error: fail('not_in_channel') };
    return { channel: c };
  }

  private postMessage(p: Params): Answer {
    const w = this.writable(p);
    if ('error' in w) return w.error;
    const c = w.channel;
    const blocks = this.blocksOf(p);
    if (blocks === 'invalid') return fail('invalid_blocks', { response_metadata: { messages: ['[ERROR] must be an array of at most 50 block objects with a "type"'] } });
    if (!p.text && !blocks) return fail('no_text');
    if ((p.text ?? '').length > 40_000) return fail('msg_too_long');
    const message: EmulatedMessage = { type: 'message', ts: this.newTs(), user: BOT_USER, bot_id: BOT_ID, text: p.text ?? '', ...(blocks ? { blocks } : {}) };
    if (p.thread_ts) {
      const parent = c.messages.find((m) => m.ts === p.thread_ts);
      if (parent) {
        message.thread_ts = parent.thread_ts ?? parent.ts;
        const root = c.messages.find((m) => m.ts === message.thread_ts);
        if (root) {
          root.thread_ts = root.ts;
          root.reply_count = (root.reply_count ?? 0) + 1;
        }
      } else message.thread_ts = p.thread_ts; // Slack posts to the channel with a dangling thread_ts
    }
    c.messages.push(message);
    return { ok: true, channel: c.id, ts: message.ts, message };
  }

  private update(p: Params): Answer {
    const w = this.writable(p);
    if ('error' in w) return w.error;
    const c = w.channel;
    const m = c.messages.find((x) => x.ts === p.ts);
    if (!m) return fail('message_not_found');
    if (m.user !== BOT_USER) return fail('cant_update_message');
    const blocks = this.blocksOf(p);
    if (blocks === 'invalid') return fail('invalid_blocks');
    if (p.text !== undefined) m.text = p.text;
    if (blocks) m.blocks = blocks;
    m.edited = { user: BOT_USER, ts: this.newTs() };
    return { ok: true, channel: c.id, ts: m.ts, text: m.text, message: m };
  }

  private remove(p: Params): Answer {
    const w = this.writable(p);
    if ('error' in w) return w.error;
    const c = w.channel;
    const i = c.messages.findIndex((x) => x.ts === p.ts);
    if (i < 0) return fail('message_not_found');
    if (c.messages[i]!.user !== BOT_USER) return fail('cant_delete_message');
    c.messages.splice(i, 1);
    return { ok: true, channel: c.id, ts: p.ts };
  }

  private list(p: Params): Answer {
    const limit = Math.min(Math.max(Number(p.limit ?? 100) || 100, 1), 1000);
    const types = new Set((p.types ?? 'public_channel').split(',').map((t) => t.trim()));
    const visible = this.channels.filter((c) => (c.is_private ? types.has('private_channel') && c.members.has(BOT_USER) : types.has('public_channel')) && !(p.exclude_archived === 'true' && c.is_archived));
    let start = 0;
    if (p.cursor) {
      const m = /^next:(\d+)$/.exec(Buffer.from(p.cursor, 'base64').toString('utf8'));
      if (!m) return fail('invalid_cursor');
      start = Number(m[1]);
    }
    const page = visible.slice(start, start + limit);
    const next = start + limit < visible.length ? Buffer.from(`next:${start + limit}`).toString('base64') : '';
    return { ok: true, channels: page.map((c) => this.view(c)), response_metadata: { next_cursor: next } };
  }

  private create(p: Params): Answer {
    const name = p.name ?? '';
    if (!name) return fail('invalid_name_required');
    if (name.length > 80) return fail('invalid_name_maxlength');
    if (!/^[a-z0-9_-]+$/.test(name)) return fail('invalid_name_specials');
    if (this.channel(name)) return fail('name_taken');
    const c = this.addChannel(`C${String(this.nextChannel++).padStart(8, '0')}`, name, p.is_private === 'true', [BOT_USER]);
    return { ok: true, channel: this.view(c) };
  }

  private invite(p: Params): Answer {
    const c = this.channel(p.channel);
    if (!c) return fail('channel_not_found');
    if (!c.members.has(BOT_USER)) return fail('not_in_channel');
    const ids = (p.users ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (ids.length === 0) return fail('no_user');
    if (ids.includes(BOT_USER)) return fail('cant_invite_self');
    for (const id of ids) if (!this.users.some((u) => u.id === id)) return fail('user_not_found');
    if (ids.length === 1 && c.members.has(ids[0]!)) return fail('already_in_channel');
    for (const id of ids) c.members.add(id);
    return { ok: true, channel: this.view(c) };
  }

  private replies(p: Params): Answer {
    const c = this.channel(p.channel);
    if (!c) return fail('channel_not_found');
    const root = c.messages.find((m) => m.ts === p.ts);
    if (!root) return fail('thread_not_found');
    const thread = c.messages.filter((m) => m.ts === root.ts || m.thread_ts === root.ts);
    return { ok: true, messages: thread, has_more: false };
  }
}
