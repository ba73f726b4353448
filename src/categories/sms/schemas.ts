/**
 * The `sms` category's request shapes (zod). Routes hand them to OpenAPI; the service parses with
 * them, so a wrong field is a 400 naming it. Phone numbers are checked by {@link checkE164}: the
 * schemas are built per hub because `SMS_DEFAULT_COUNTRY` changes what a national number means.
 */
import { z } from 'zod';
import { checkE164 } from '../../kit/phone.js';

/** Report content errors beside field errors (zod skips refinements once a field failed). */
const allIssues = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

/** Most characters one message may have (Twilio's limit; longer texts are refused, not cut). */
export const MAX_BODY = 1600;

const sendAt = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-12-01T09:00:00Z' });
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const variables = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** The schemas of one hub (its default country). */
export function smsSchemas(defaultCountry?: string) {
  /** A phone number: E.164 out, or an issue saying what to send. */
  const phone = z.string({ error: 'must be a phone number in E.164, e.g. +14155552671' }).transform((v, ctx) => {
    const r = checkE164(v, defaultCountry);
    if (r.ok) return r.e164;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });

  /** The two spellings of a send: the guide's `{ phoneNumber, message }` and `{ to, body }`. */
  const sendFields = {
    phoneNumber: phone.optional(),
    to: phone.optional(),
    message: z.string().max(MAX_BODY, `at most ${MAX_BODY} characters`).optional(),
    body: z.string().max(MAX_BODY, `at most ${MAX_BODY} characters`).optional(),
    from: z.string().trim().min(1).max(64).optional(),
    mediaUrls: z.array(url).max(10, 'at most 10 media URLs').optional(),
    statusCallback: url.optional(),
    sendAt: sendAt.optional(),
    /** Answer 202 at once; the durable queue sends it. */
    async: z.boolean().optional(),
  };
  type SendFields = { phoneNumber?: string; to?: string; message?: string; body?: string; mediaUrls?: string[]; contentSid?: string };
  const needs = (v: SendFields, ctx: z.RefinementCtx) => {
    if (!v.phoneNumber && !v.to) ctx.addIssue({ code: 'custom', path: ['phoneNumber'], message: 'is required (or give "to"): the recipient in E.164, e.g. +14155552671' });
    if (v.phoneNumber && v.to && v.phoneNumber !== v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'give "phoneNumber" or "to", not two different numbers' });
    if (!v.message && !v.body && !v.mediaUrls?.length && !v.contentSid) ctx.addIssue({ code: 'custom', path: ['message'], message: 'is required (or give "body" or "mediaUrls")' });
    if (v.message && v.body && v.message !== v.body) ctx.addIssue({ code: 'custom', path: ['body'], message: 'give "message" or "body", not both' });
  };

  const sendInput = z.object(sendFields).superRefine(needs, allIssues);

  const whatsappInput = z
    .object({
      ...sendFields,
      contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be an approved template\'s Content SID (HX and 32 hex digits)').optional(),
      contentVariables: z.record(z.string(), z.string()).optional(),
    })
    .superRefine(needs, allIssues);

  const codeInput = z.object({
    phoneNumber: phone,
    channel: z.enum(['sms', 'whatsapp']).default('sms'),
    /** Digits of a locally made code (4–10, default 6). */
    length: z.number().int().min(4, 'at least 4 digits').max(10, 'at most 10 digits').default(6),
    /** The text; `{{code}}` is replaced (and required), `{{minutes}}` too. */
    message: z.string().max(MAX_BODY).refine((m) => m.includes('{{code}}'), 'must contain {{code}}').optional(),
    appName: z.string().max(40).optional(),
  });

  const verifyInput = z.object({ phoneNumber: phone, code: z.string().trim().regex(/^\d{4,10}$/, 'must be the 4 to 10 digits that were sent') });

  const alertInput = z
    .object({
      phoneNumber: phone.optional(),
      phoneNumbers: z.array(phone).min(1).max(100, 'at most 100 numbers; use /bulk for more').optional(),
      message: z.string().min(1, 'is required').max(MAX_BODY),
      severity: z.enum(['info', 'warning', 'critical']).default('info'),
      from: z.string().trim().min(1).max(64).optional(),
    })
    .superRefine((v, ctx) => {
      if (!v.phoneNumber && !v.phoneNumbers) ctx.addIssue({ code: 'custom', path: ['phoneNumber'], message: 'is required (or give "phoneNumbers")' });
    }, allIssues);

  const bulkInput = z.object({
    message: z.string().min(1, 'is required: the text, with {{variables}} of each recipient').max(MAX_BODY),
    from: z.string().trim().min(1).max(64).optional(),
    channel: z.enum(['sms', 'whatsapp']).default('sms'),
    recipients: z.array(z.object({ phoneNumber: phone, variables: variables.optional() })).min(1, 'must list at least one recipient'),
  });

  const optOutInput = z.object({ phoneNumber: phone, channel: z.enum(['sms', 'whatsapp']).default('sms') });

  return { phone, sendInput, whatsappInput, codeInput, verifyInput, alertInput, bulkInput, optOutInput };
}

export type SmsSchemas = ReturnType<typeof smsSchemas>;
export type SendSmsInput = z.input<SmsSchemas['sendInput']>;
export type SendWhatsAppInput = z.input<SmsSchemas['whatsappInput']>;
export type SendCodeInput = z.input<SmsSchemas['codeInput']>;
export type VerifyCodeInput = z.input<SmsSchemas['verifyInput']>;
export type AlertInput = z.input<SmsSchemas['alertInput']>;
export type SmsBulkInput = z.input<SmsSchemas['bulkInput']>;
