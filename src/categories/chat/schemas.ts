/**
 * Input schemas of the chat API (REST and library share them). Field names follow the
 * integrations guide: `channel`, `text`, `blocks`, `threadTs`, `provider`.
 */
import { z } from 'zod';

const provider = z.string().trim().min(1).max(64).optional();
/** Slack's `ts`: seconds and microseconds (`1712345678.000100`). */
const ts = z.string().regex(/^\d{9,11}\.\d{6}$/, 'must be a Slack message ts such as "1712345678.000100"');
const channel = z.string().trim().min(1, 'must name a channel (an id such as C0123ABCD, or a name)').max(200);
const blocks = z
  .array(z.looseObject({ type: z.string({ error: 'each block needs a "type" (section, divider, …)' }) }), { error: 'must be an array of Block Kit blocks' })
  .min(1, 'must hold at least one block')
  .max(50, 'Slack takes at most 50 blocks');

export const sendChatInput = z.object({
  channel: channel.optional(),
  text: z.string({ error: 'is required: the message (and the notification text when blocks are given)' }).min(1, 'must not be empty').max(40_000, 'Slack takes at most 40,000 characters'),
  blocks: blocks.optional(),
  threadTs: ts.optional(),
  /** Only this provider (no failover); absent: along CHAT_PROVIDERS. */
  provider,
});
export type SendChatInput = z.input<typeof sendChatInput>;

export const updateChatInput = z.object({ channel, ts, text: z.string().min(1, 'must not be empty').max(40_000), blocks: blocks.optional(), provider });
export type UpdateChatInput = z.input<typeof updateChatInput>;

export const deleteChatInput = z.object({ channel, ts, provider });
export type DeleteChatInput = z.input<typeof deleteChatInput>;

export const listChannelsInput = z.object({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'at most 1000').default(100),
  cursor: z.string().max(500).optional(),
  types: z.string().regex(/^(public_channel|private_channel)(,(public_channel|private_channel))*$/, 'public_channel, private_channel or both, comma-separated').optional(),
  provider,
});
export type ListChannelsInput = z.input<typeof listChannelsInput>;

export const createChannelInput = z.object({
  name: z
    .string()
    .min(1, 'is required')
    .max(80, 'at most 80 characters')
    .regex(/^[a-z0-9_-]+$/, 'lower-case letters, digits, hyphens and underscores only (Slack channel names have no spaces or capitals)'),
  isPrivate: z.boolean().optional(),
  provider,
});
export type CreateChannelInput = z.input<typeof createChannelInput>;

export const inviteInput = z.object({
  users: z.array(z.string().trim().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user id such as U0123ABCD (GET /api/v1/chat/users/lookup?email= finds it)')).min(1, 'name at least one user').max(1000),
  provider,
});
export type InviteInput = z.input<typeof inviteInput>;

export const lookupUserInput = z.object({ email: z.email('must be an email address'), provider });

export const replyInput = z.union([
  z.string().min(1),
  z.object({
    text: z.string().max(40_000).optional(),
    blocks: blocks.optional(),
    responseType: z.enum(['ephemeral', 'in_channel']).optional(),
    replaceOriginal: z.boolean().optional(),
  }),
]);
