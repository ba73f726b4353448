/**
 * The `sms` category's REST routes (the guide's paths): send, verification codes, alerts, bulk,
 * status, WhatsApp, the opt-out list.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import { tenantOf } from '../../kit/api.js';
import type { SmsSendAnswer, SmsService } from './service.js';

const SMS = '/api/v1/integrations/sms';
const WHATSAPP = '/api/v1/integrations/whatsapp';
const tags = ['sms'];

const sent = (reply: FastifyReply, r: SmsSendAnswer) => {
  reply.code(r.status === 'pending' ? 202 : 200);
  return r;
};

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().optional() });

export const smsRoutes =
  (sms: SmsService): FastifyPluginAsync =>
  async (app) => {
    const send = { scope: 'sms:send' };
    const read = { scope: 'sms:read' };
    const admin = { scope: 'sms:admin' };
    const s = sms.schemas;

    app.post(`${SMS}/send`, { config: send, schema: { tags, summary: 'Send an SMS (MMS with mediaUrls): 200 once the provider took it, 202 when queued (sendAt, async)', body: s.sendInput } }, async (req, reply) =>
      sent(reply, await sms.send(tenantOf(req), req.body as never)),
    );
    const code = (summary: string) => ({ config: send, schema: { tags, summary, body: s.codeInput } });
    app.post(`${SMS}/verification-code`, code('Send a verification code (hashed at rest; Twilio Verify when TWILIO_VERIFY_SERVICE_SID is set); check it with /verify'), async (req) =>
      sms.verification.send(tenantOf(req), req.body as never),
    );
    app.post(`${SMS}/otp`, code('Send a one-time password (the same as /verification-code)'), async (req) => sms.verification.send(tenantOf(req), req.body as never));
    app.post(`${SMS}/verify`, { config: send, schema: { tags, summary: 'Check a verification code: 200 { verified: true }, 422 wrong code, 410 none pending, 429 too many tries', body: s.verifyInput } }, async (req) =>
      sms.verification.check(tenantOf(req), req.body as never),
    );
    app.post(`${SMS}/alert`, { config: send, schema: { tags, summary: 'Send an alert to one or several numbers (severity info, warning, critical)', body: s.alertInput } }, async (req) =>
      sms.alert(tenantOf(req), req.body as never),
    );
    app.post(`${SMS}/bulk`, { config: send, schema: { tags, summary: 'Bulk send to up to 10,000 recipients with {{variables}}; 202 with a job id (GET /api/v1/jobs/:id)', body: s.bulkInput } }, async (req, reply) => {
      reply.code(202);
      return sms.bulk.start(tenantOf(req), req.body as never);
    });

    app.get(`${SMS}/opt-outs`, { config: read, schema: { tags, summary: 'Numbers that opted out (replied STOP, or reported unsubscribed by the provider)', querystring: listQuery } }, async (req) => {
      const q = parseInput(listQuery, req.query);
      const data = await sms.optOuts.list(tenantOf(req), q.limit, q.after);
      return { data, next: data.length === q.limit ? data.at(-1)!.phoneNumber : null };
    });
    app.post(`${SMS}/opt-outs`, { config: admin, schema: { tags, summary: 'Opt a number out by hand', body: s.optOutInput } }, async (req, reply) => {
      const v = parseInput(s.optOutInput, req.body);
      await sms.optOuts.add(tenantOf(req), v.channel, v.phoneNumber);
      reply.code(201);
      return { phoneNumber: v.phoneNumber, channel: v.channel, source: 'manual' };
    });
    app.delete<{ Params: { phoneNumber: string }; Querystring: { channel?: string } }>(`${SMS}/opt-outs/:phoneNumber`, { config: admin, schema: { tags, summary: 'Remove a number from the opt-out list (as a START reply does)' } }, async (req, reply) => {
      const v = parseInput(s.optOutInput, { phoneNumber: req.params.phoneNumber, channel: req.query.channel ?? 'sms' });
      await sms.optOuts.remove(tenantOf(req), v.channel, v.phoneNumber);
      reply.code(204);
    });

    app.get<{ Params: { messageSid: string } }>(`${SMS}/:messageSid/status`, { config: read, schema: { tags, summary: 'A message by its messageSid (or the hub id): status, segments, error and delivery events' } }, async (req) =>
      sms.status(tenantOf(req), req.params.messageSid),
    );

    app.post(`${WHATSAPP}/send`, { config: send, schema: { tags: ['whatsapp'], summary: 'Send a WhatsApp message: text, media (mediaUrls) or an approved template (contentSid, contentVariables)', body: s.whatsappInput } }, async (req, reply) =>
      sent(reply, await sms.whatsapp(tenantOf(req), req.body as never)),
    );
    app.get<{ Params: { messageSid: string } }>(`${WHATSAPP}/:messageSid/status`, { config: read, schema: { tags: ['whatsapp'], summary: 'A WhatsApp message by its messageSid (or the hub id)' } }, async (req) =>
      sms.status(tenantOf(req), req.params.messageSid),
    );
  };
