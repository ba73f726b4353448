/**
 * The REST flows of the integrations guide (`/verify-send`, `/password-reset`, `/invoice`): each
 * fills a built-in template (or the tenant's override of the same name) and sends it.
 */
import { escapeHtml } from './templates.js';
import { invoiceInput, passwordResetInput, verifySendInput } from './schemas.js';
import { type EmailService, type SendResult } from './service.js';
import { parseInput } from '../../core/validation.js';


const nameOf = (to: { email: string; name?: string }, name?: string) => name ?? to.name ?? to.email.split('@')[0]!;

export function sendVerification(email: EmailService, tenantId: string, input: unknown): Promise<SendResult> {
  const v = parseInput(verifySendInput, input);
  const url = v.verificationUrl;
  const action = url
    ? `<p><a href="${escapeHtml(url)}">Verify email address</a></p>`
    : `<p style="font-size:24px;letter-spacing:4px"><b>${escapeHtml(v.code!)}</b></p>`;
  const actionText = url ? `Open this link: ${url}` : `Your code: ${v.code}`;
  return email.send(tenantId, { to: v.to, from: v.from, templateId: 'verify-email', variables: { name: nameOf(v.to, v.name), action, actionText }, async: v.async, tags: ['verification'] });
}

export function sendPasswordReset(email: EmailService, tenantId: string, input: unknown): Promise<SendResult> {
  const v = parseInput(passwordResetInput, input);
  return email.send(tenantId, {
    to: v.to,
    from: v.from,
    templateId: 'password-reset',
    variables: { name: nameOf(v.to, v.name), resetUrl: v.resetUrl, expiresInMinutes: v.expiresInMinutes ?? 60 },
    async: v.async,
    tags: ['password-reset'],
  });
}

export function sendInvoice(email: EmailService, tenantId: string, input: unknown): Promise<SendResult> {
  const v = parseInput(invoiceInput, input);
  const items = v.items ?? [];
  const itemsHtml = items.length
    ? `<table>${items.map((i) => `<tr><td>${escapeHtml(i.description)}</td><td style="text-align:right">${escapeHtml(String(i.amount))}</td></tr>`).join('')}</table>`
    : '';
  return email.send(tenantId, {
    to: v.to,
    from: v.from,
    templateId: 'invoice',
    variables: {
      name: nameOf(v.to, v.name),
      invoiceNumber: v.invoiceNumber,
      amount: String(v.amount),
      currency: v.currency.toUpperCase(),
      dueDate: v.dueDate ?? 'on receipt',
      itemsHtml,
      itemsText: items.map((i) => `- ${i.description}: ${i.amount}\n`).join(''),
      link: v.invoiceUrl ? `<p><a href="${escapeHtml(v.invoiceUrl)}">View invoice</a></p>` : '',
      linkText: v.invoiceUrl ? `\nView invoice: ${v.invoiceUrl}\n` : '',
    },
    attachments: v.attachments,
    async: v.async,
    tags: ['invoice'],
    metadata: { invoiceNumber: v.invoiceNumber },
  });
}
