/**
 * Email templates: `{{name}}` placeholders (dotted paths allowed) rendered with HTML escaping in
 * `html`, raw in `subject` and `text`; `{{{name}}}` inserts raw HTML. The flows of the REST API
 * (verification, password reset, invoice) are built-in templates a tenant can override by
 * creating a template with the same name.
 */
import { HubError } from '../../core/errors.js';

export interface TemplateSource {
  name: string;
  subject: string;
  html?: string | null;
  text?: string | null;
}

export interface Rendered {
  subject: string;
  html?: string;
  text?: string;
}

const TAG = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The value at a dotted path, own properties only (`{{constructor}}` is not Object's). */
function lookup(vars: Record<string, unknown>, path: string): unknown {
  let v: unknown = vars;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** What is wrong with a placeholder's value, or undefined when it can be inserted. */
function problemOf(value: unknown, name: string, template: string): string | undefined {
  if (value === undefined || value === null) return `is required by template "${template}"`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return undefined;
  const kind = Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
  return `must be text, a number or true/false to fill {{${name}}} in template "${template}" (got ${kind}); name a nested value as {{${name}.field}}`;
}

/** Placeholder names a template uses. */
export function placeholders(t: TemplateSource): string[] {
  const names = new Set<string>();
  for (const s of [t.subject, t.html ?? '', t.text ?? '']) for (const m of s.matchAll(TAG)) names.add((m[1] ?? m[2])!);
  return [...names];
}

/**
 * Render a template; a placeholder without a variable, or whose variable is an object or a list,
 * is a 400 naming it (`variables.name`).
 *
 * @example
 * render({ name: 'hi', subject: 'Hi {{name}}', html: '<b>{{name}}</b>' }, { name: '<Ann>' })
 * // { subject: 'Hi <Ann>', html: '<b>&lt;Ann&gt;</b>' }
 */
export function render(t: TemplateSource, vars: Record<string, unknown> = {}): Rendered {
  const errors = placeholders(t).flatMap((n) => {
    const message = problemOf(lookup(vars, n), n, t.name);
    return message ? [{ field: `variables.${n}`, message }] : [];
  });
  if (errors.length > 0) {
    const missing = errors.filter((e) => e.message.startsWith('is required'));
    const detail = missing.length === errors.length ? `Template "${t.name}" needs variables: ${missing.map((e) => e.field.slice(10)).join(', ')}` : errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new HubError('validation_failed', detail, { errors });
  }
  const fill = (s: string, html: boolean) =>
    s.replace(TAG, (_m, raw: string | undefined, esc: string | undefined) => {
      const v = String(lookup(vars, (raw ?? esc)!));
      return html && esc ? escapeHtml(v) : v;
    });
  const out: Rendered = { subject: fill(t.subject, false) };
  if (t.html) out.html = fill(t.html, true);
  if (t.text) out.text = fill(t.text, false);
  return out;
}

const layout = (body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto;padding:24px;color:#222">${body}</body></html>`;

/** Built-in templates of the REST flows. */
export const BUILT_IN_TEMPLATES: Record<string, TemplateSource> = {
  'verify-email': {
    name: 'verify-email',
    subject: 'Verify your email address',
    html: layout('<p>Hello {{name}},</p><p>Please confirm your email address.</p>{{{action}}}<p>If you did not sign up, ignore this message.</p>'),
    text: 'Hello {{name}},\n\nPlease confirm your email address.\n\n{{actionText}}\n\nIf you did not sign up, ignore this message.',
  },
  'password-reset': {
    name: 'password-reset',
    subject: 'Reset your password',
    html: layout(
      '<p>Hello {{name}},</p><p>Someone asked to reset your password. The link works for {{expiresInMinutes}} minutes.</p><p><a href="{{resetUrl}}">Reset password</a></p><p>If it was not you, ignore this message.</p>',
    ),
    text: 'Hello {{name}},\n\nSomeone asked to reset your password. The link works for {{expiresInMinutes}} minutes:\n{{resetUrl}}\n\nIf it was not you, ignore this message.',
  },
  invoice: {
    name: 'invoice',
    subject: 'Invoice {{invoiceNumber}}',
    html: layout('<p>Hello {{name}},</p><p>Invoice <b>{{invoiceNumber}}</b>: {{amount}} {{currency}}, due {{dueDate}}.</p>{{{itemsHtml}}}{{{link}}}'),
    text: 'Hello {{name}},\n\nInvoice {{invoiceNumber}}: {{amount}} {{currency}}, due {{dueDate}}.\n{{itemsText}}{{linkText}}',
  },
  welcome: {
    name: 'welcome',
    subject: 'Welcome, {{name}}!',
    html: layout('<h1>Welcome, {{name}}!</h1><p>We are glad to have you.</p>'),
    text: 'Welcome, {{name}}!\n\nWe are glad to have you.',
  },
};
