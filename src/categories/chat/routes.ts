/**
 * Chat routes: the integrations guide's `POST /api/v1/integrations/chat/send`, and the
 * provider-agnostic rest under `/api/v1/chat/` (update, delete, channels, invite, user lookup).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { tenantOf } from '../../kit/api.js';
import { parseInput } from '../../core/validation.js';
import { createChannelInput, deleteChatInput, inviteInput, listChannelsInput, sendChatInput, updateChatInput } from './schemas.js';
import type { ChatService } from './service.js';

const tags = ['chat'];
const lookupQuery = z.object({ email: z.string(), provider: z.string().optional() });

export const chatRoutes =
  (chat: ChatService): FastifyPluginAsync =>
  async (app) => {
    const send = { scope: 'chat:send' };
    const read = { scope: 'chat:read' };
    const admin = { scope: 'chat:admin' };

    app.post('/api/v1/integrations/chat/send', { config: send, schema: { tags, summary: 'Post a message (text, Block Kit, thread reply) along CHAT_PROVIDERS with failover', body: sendChatInput } }, async (req) =>
      chat.send(tenantOf(req), req.body as never),
    );
    app.post('/api/v1/chat/messages/update', { config: send, schema: { tags, summary: 'Change a message the bot posted (Slack)', body: updateChatInput } }, async (req) => chat.update(tenantOf(req), req.body as never));
    app.post('/api/v1/chat/messages/delete', { config: send, schema: { tags, summary: 'Delete a message the bot posted (Slack)', body: deleteChatInput } }, async (req) => chat.delete(tenantOf(req), req.body as never));
    app.get('/api/v1/chat/channels', { config: read, schema: { tags, summary: 'Channels the bot can see (cursor pagination)', querystring: listChannelsInput } }, async (req) =>
      chat.listChannels(tenantOf(req), req.query as never),
    );
    app.post('/api/v1/chat/channels', { config: admin, schema: { tags, summary: 'Create a channel (Slack)', body: createChannelInput } }, async (req, reply) => {
      const channel = await chat.createChannel(tenantOf(req), req.body as never);
      reply.code(201);
      return channel;
    });
    app.post<{ Params: { id: string } }>('/api/v1/chat/channels/:id/invite', { config: admin, schema: { tags, summary: 'Invite users to a channel (Slack user ids)', body: inviteInput } }, async (req) =>
      chat.invite(tenantOf(req), req.params.id, req.body as never),
    );
    app.get('/api/v1/chat/users/lookup', { config: read, schema: { tags, summary: 'Find a workspace user by email address', querystring: lookupQuery } }, async (req) => {
      const q = parseInput(lookupQuery, req.query);
      return chat.lookupUserByEmail(tenantOf(req), q.email, q.provider);
    });
  };
