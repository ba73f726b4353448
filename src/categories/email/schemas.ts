/**
 * Input schemas of the email API (REST and library share them). Field names follow the
 * integrations guides: `to`, `subject`, `html`, `text`, `from`, `replyTo`, `sendAt`, `async`.
 */
import { z } from 'zod';
import type { EmailAddress } from './contract.js';

/** Report content errors beside field errors (zod skips refinements once a field failed). */
const allIssues = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

const NAMED = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/;

/** `"a@b.com"`, `"Ann <a@b.com>"` or `{ email, name? }` → `{ email, name? }`. */
export const address = z
  .union([
    z.string().trim().min(1, 'must be an email address'),
    z.object({ email: z.string().trim(), name: z.string().trim().max(256).optional() }),
  ])
  .transform((v, ctx): EmailAddress => {
    let email: string;
    let name: string | undefined;
    if (typeof v === 'string') {
      const m = NAMED.exec(v);
      email = (m ? m[2]! : v).trim();
      name = m?.[1]?.trim() || undefined;
    } else ({ email, name } = v);
    if (!z.email().safeParse(email).success) {
      ctx.addIssue({ code: 'custom', message: `"${email}" is not an email address` });
      return z.NEVER;
    }
    return name ? { email, name } : { email };
  });

const addresses = z
  .union([address, z.array(address).min(1, 'must name at least one address').max(1000)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

export const attachment = z.object({
  filename: z.string().min(1).max(255),
  content: z.string().min(1).regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64'),
  contentType: z.string().max(255).optional(),
  disposition: z.enum(['attachment', 'inline']).optional(),
  contentId: z.string().max(255).optional(),
});

const headers = z
  .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and dashes'), z.string().max(2000))
  .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers');

const sendAt = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-12-01T09:00:00Z' })
  .transform((v) => Date.parse(v));

/** Everything a message can carry, rendered or templated. */
export const sendEmailInput = z
  .object({
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    from: address.optional(),
    replyTo: address.optional(),
    subject: z.string().max(998).optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    templateId: z.string().min(1).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    attachments: z.array(attachment).max(50).optional(),
    headers: headers.optional(),
    tags: z.array(z.string().min(1).max(64)).max(10).optional(),
    metadata: z.record(z.string(), z.string().max(500)).optional(),
    sendAt: sendAt.optional(),
    async: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.templateId) {
      if (!v.subject) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'is required (or give templateId)' });
      if (!v.html && !v.text) ctx.addIssue({ code: 'custom', path: ['html'], message: 'give html or text (or templateId)' });
    }
  }, allIssues);
export type SendEmailInput = z.input<typeof sendEmailInput>;
export type SendEmailParsed = z.output<typeof sendEmailInput>;

const flowBase = { to: address, from: address.optional(), name: z.string().max(200).optional(), async: z.boolean().optional() };

export const verifySendInput = z
  .object({ ...flowBase, verificationUrl: z.url().optional(), code: z.string().min(1).max(32).optional() })
  .refine((v) => v.verificationUrl || v.code, { message: 'give verificationUrl or code', path: ['verificationUrl'] });

export const passwordResetInput = z.object({ ...flowBase, resetUrl: z.url(), expiresInMinutes: z.number().int().positive().optional() });

export const invoiceInput = z.object({
  ...flowBase,
  invoiceNumber: z.string().min(1).max(64),
  amount: z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal such as 99.99'), z.number().nonnegative()]),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as USD'),
  dueDate: z.string().optional(),
  invoiceUrl: z.url().optional(),
  items: z.array(z.object({ description: z.string(), amount: z.union([z.string(), z.number()]) })).max(100).optional(),
  attachments: z.array(attachment).max(10).optional(),
});

export const bulkInput = z
  .object({
    subject: z.string().max(998).optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    templateId: z.string().optional(),
    from: address.optional(),
    tags: z.array(z.string().min(1).max(64)).max(10).optional(),
    recipients: z
      .array(z.object({ to: address, variables: z.record(z.string(), z.unknown()).optional() }))
      .min(1, 'must list at least one recipient'),
  })
  .superRefine((v, ctx) => {
    if (!v.templateId) {
      if (!v.subject) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'is required (or give templateId)' });
      if (!v.html && !v.text) ctx.addIssue({ code: 'custom', path: ['html'], message: 'give html or text (or templateId)' });
    }
  }, allIssues);
export type BulkInput = z.input<typeof bulkInput>;

export const templateInput = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (max 64)'),
    subject: z.string().min(1).max(998),
    html: z.string().optional(),
    text: z.string().optional(),
  })
  .refine((v) => v.html || v.text, { message: 'give html or text', path: ['html'] });
