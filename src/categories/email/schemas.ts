/**
 * Input schemas of the email API (REST and library share them). Field names follow the
 * integrations guides: `to`, `subject`, `html`, `text`, `from`, `replyTo`, `sendAt`, `async`.
 */
import { z } from 'zod';
import type { EmailAddress } from './contract.js';

/** Report content errors beside field errors (zod skips refinements once a field failed). */
const allIssues = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

const NAMED = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/;

const ADDRESS_FORMS = 'must be an email address: "ann@example.com", "Ann <ann@example.com>" or { "email": "ann@example.com", "name": "Ann" }';

/** What an address may look like before it is checked (documented in OpenAPI as such). */
const addressShape = z.union([z.string(), z.object({ email: z.string(), name: z.string().trim().max(256).optional() })], { error: ADDRESS_FORMS });

/** One address checked: the address, or what is wrong with it. */
function toAddress(v: z.output<typeof addressShape>): EmailAddress | string {
  let email: string;
  let name: string | undefined;
  if (typeof v === 'string') {
    const m = NAMED.exec(v);
    email = (m ? m[2]! : v).trim();
    name = m?.[1]?.trim() || undefined;
  } else ({ email, name } = v);
  email = email.trim();
  if (!email) return ADDRESS_FORMS;
  if (!z.email().safeParse(email).success) return `"${email}" is not an email address`;
  return name ? { email, name } : { email };
}

/**
 * `"a@b.com"`, `"Ann <a@b.com>"` or `{ email, name? }` → `{ email, name? }`.
 *
 * @example
 * address.parse('Ann <ann@example.com>') // { email: 'ann@example.com', name: 'Ann' }
 */
export const address = addressShape.transform((v, ctx): EmailAddress => {
  const r = toAddress(v);
  if (typeof r !== 'string') return r;
  ctx.addIssue({ code: 'custom', message: r });
  return z.NEVER;
});

/** One address or a list: each bad one is named by its index (`to.1: "x" is not an email address`). */
const addresses = z
  .union([addressShape, z.array(addressShape).min(1, 'must name at least one address').max(1000, 'at most 1000 addresses')], {
    error: `${ADDRESS_FORMS}, or a list of them`,
  })
  .transform((v, ctx): EmailAddress[] => {
    const out: EmailAddress[] = [];
    (Array.isArray(v) ? v : [v]).forEach((one, i) => {
      const r = toAddress(one);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r, path: Array.isArray(v) ? [i] : [] });
      else out.push(r);
    });
    return out;
  });

/** Deepest nesting of a template variable (`{"a":{"b":…}}` is 2): rendering reads dotted paths, not trees. */
export const MAX_VARIABLE_DEPTH = 8;

/**
 * Template variables: JSON values nested at most {@link MAX_VARIABLE_DEPTH} levels; a deeper
 * value is a 400 naming its path (`variables.order.a.b…`), checked without recursion.
 */
export const variables = z.record(z.string(), z.unknown()).superRefine((vars, ctx) => {
  const stack: { value: unknown; path: string[] }[] = Object.entries(vars).map(([k, value]) => ({ value, path: [k] }));
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_VARIABLE_DEPTH) {
      ctx.addIssue({ code: 'custom', path, message: `is nested deeper than ${MAX_VARIABLE_DEPTH} levels; send flatter variables (a placeholder reads {{a.b.c}})` });
      return;
    }
    for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
  }
});

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
    variables: variables.optional(),
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
      .array(z.object({ to: address, variables: variables.optional() }))
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
