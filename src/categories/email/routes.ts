/**
 * Email routes under `/api/v1/integrations/email`: send, the flows of the integrations guide,
 * bulk, message status, templates and suppressions.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { sendInvoice, sendPasswordReset, sendVerification } from './flows.js';
import { bulkInput, invoiceInput, passwordResetInput, sendEmailInput, templateInput, verifySendInput } from './schemas.js';
import { type SendResult } from './service.js';
import { parseInput } from '../../core/validation.js';
import type { BulkSender } from './bulk.js';
import type { EmailService } from './service.js';
import type { TemplateStore } from './template-store.js';
import { tenantOf } from '../../kit/api.js';

const BASE = '/api/v1/integrations/email';
const tags = ['email'];

const sent = (reply: FastifyReply, r: SendResult) => {
  reply.code(r.status === 'queued' ? 202 : 200);
  return r;
};

const renderInput = z.object({ variables: z.record(z.string(), z.unknown()).default({}) });
const suppressionInput = z.object({ email: z.email(), reason: z.enum(['bounce', 'spam_report', 'unsubscribe', 'manual']).default('manual') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().optional() });


/** What the email routes reach. */
export interface EmailRouteDeps {
  email: EmailService;
  bulk: BulkSender;
  templates: TemplateStore;
}

export const emailRoutes =
  (hub: EmailRouteDeps): FastifyPluginAsync =>
  async (app) => {
    const send = { scope: 'email:send' };
    const read = { scope: 'email:read' };
    const admin = { scope: 'email:admin' };

    app.post(`${BASE}/send`, { config: send, schema: { tags, summary: 'Send an email (200 once a provider took it; 202 when queued with sendAt or async)', body: sendEmailInput } }, async (req, reply) =>
      sent(reply, await hub.email.send(tenantOf(req), req.body as never)),
    );
    app.post(`${BASE}/verify-send`, { config: send, schema: { tags, summary: 'Send an email-verification message (template verify-email)', body: verifySendInput } }, async (req, reply) =>
      sent(reply, await sendVerification(hub.email, tenantOf(req), req.body)),
    );
    app.post(`${BASE}/password-reset`, { config: send, schema: { tags, summary: 'Send a password-reset link (template password-reset)', body: passwordResetInput } }, async (req, reply) =>
      sent(reply, await sendPasswordReset(hub.email, tenantOf(req), req.body)),
    );
    app.post(`${BASE}/invoice`, { config: send, schema: { tags, summary: 'Send an invoice (template invoice)', body: invoiceInput } }, async (req, reply) =>
      sent(reply, await sendInvoice(hub.email, tenantOf(req), req.body)),
    );
    app.post(`${BASE}/bulk`, { config: send, schema: { tags, summary: 'Bulk send to up to 10,000 recipients; 202 with a job id (GET /api/v1/jobs/:id)', body: bulkInput } }, async (req, reply) => {
      reply.code(202);
      return hub.bulk.start(tenantOf(req), req.body as never);
    });

    app.get(`${BASE}/templates`, { config: read, schema: { tags, summary: 'List templates (own and built-in)' } }, async (req) => ({ data: await hub.templates.list(tenantOf(req)) }));
    app.post(`${BASE}/templates`, { config: admin, schema: { tags, summary: 'Create a template ({{variables}} are HTML-escaped in html)', body: templateInput } }, async (req, reply) => {
      reply.code(201);
      return hub.templates.create(tenantOf(req), parseInput(templateInput, req.body));
    });
    app.get<{ Params: { id: string } }>(`${BASE}/templates/:id`, { config: read, schema: { tags, summary: 'Get a template by id or name' } }, async (req) => hub.templates.get(tenantOf(req), req.params.id));
    app.put<{ Params: { id: string } }>(`${BASE}/templates/:id`, { config: admin, schema: { tags, summary: 'Update a template (a built-in one is overridden)', body: templateInput } }, async (req) =>
      hub.templates.update(tenantOf(req), req.params.id, parseInput(templateInput, req.body)),
    );
    app.delete<{ Params: { id: string } }>(`${BASE}/templates/:id`, { config: admin, schema: { tags, summary: 'Delete a template' } }, async (req, reply) => {
      await hub.templates.remove(tenantOf(req), req.params.id);
      reply.code(204);
    });
    app.post<{ Params: { id: string } }>(`${BASE}/templates/:id/render`, { config: read, schema: { tags, summary: 'Render a template with variables (no send)', body: renderInput } }, async (req) =>
      hub.templates.render(tenantOf(req), req.params.id, parseInput(renderInput, req.body ?? {}).variables),
    );

    app.get(`${BASE}/suppressions`, { config: read, schema: { tags, summary: 'Suppressed addresses (hard bounces, spam reports, unsubscribes)', querystring: listQuery } }, async (req) => {
      const q = parseInput(listQuery, req.query);
      const data = await hub.email.suppressions.list(tenantOf(req), q.limit, q.after);
      return { data, next: data.length === q.limit ? data.at(-1)!.email : null };
    });
    app.post(`${BASE}/suppressions`, { config: admin, schema: { tags, summary: 'Suppress an address by hand', body: suppressionInput } }, async (req, reply) => {
      const v = parseInput(suppressionInput, req.body);
      await hub.email.suppressions.add(tenantOf(req), v.email, v.reason);
      reply.code(201);
      return { email: v.email.toLowerCase(), reason: v.reason };
    });
    app.delete<{ Params: { email: string } }>(`${BASE}/suppressions/:email`, { config: admin, schema: { tags, summary: 'Remove an address from the suppression list' } }, async (req, reply) => {
      await hub.email.suppressions.remove(tenantOf(req), req.params.email);
      reply.code(204);
    });

    app.get<{ Params: { id: string } }>(`${BASE}/:id`, { config: read, schema: { tags, summary: 'A message: status, provider and delivery events' } }, async (req) => hub.email.get(tenantOf(req), req.params.id));
  };
