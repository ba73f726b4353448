/**
 * The checks `POST /v3/mail/send` makes on its body, with SendGrid's messages and field names.
 * Stricter than the published OpenAPI where the API is (at least one personalization and one `to`,
 * address syntax, recipient count, content order, base64 attachments) and looser where the
 * description is wrong (top-level `custom_args` is an object, not a string).
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/limitations
 */

/** One item of SendGrid's `errors` array. */
export interface MailSendError {
  message: string;
  field: string | null;
  help: string | null;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.';
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RESERVED_HEADERS = ['x-sg-id', 'x-sg-eid', 'received', 'dkim-signature', 'content-type', 'content-transfer-encoding', 'to', 'from', 'subject', 'reply-to', 'cc', 'bcc'];
const MAX_RECIPIENTS = 1000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v;

/**
 * True when SendGrid would take `value` as an address.
 *
 * @example
 * isSendgridEmail('alex@example.com') // true
 * isSendgridEmail('bob@') // false
 */
export const isSendgridEmail = (value: unknown): value is string => typeof value === 'string' && value.length <= 320 && EMAIL.test(value);

/**
 * Every error SendGrid would answer for `body`; empty when it would accept it.
 *
 * @example
 * validateMailSend({ personalizations: [{ to: [{ email: 'bob@' }] }], from: { email: 'a@x.io' }, subject: 's', content: [{ type: 'text/plain', value: 'v' }] })
 * // [{ field: 'personalizations.0.to.0.email', message: 'Does not contain a valid address.', help: … }]
 */
export function validateMailSend(body: unknown, now: number = Date.now()): MailSendError[] {
  const errors: MailSendError[] = [];
  const fail = (field: string | null, message: string, anchor?: string) => errors.push({ field, message, help: anchor ? HELP + anchor : null });
  const typed = (field: string, value: unknown, type: 'object' | 'array' | 'string' | 'integer'): boolean => {
    const ok = type === 'object' ? isObj(value) : typeName(value) === type;
    if (!ok) fail(field, `Invalid type. Expected: ${type}, given: ${typeName(value)}.`);
    return ok;
  };
  const stringMap = (field: string, value: unknown) => {
    if (value === undefined || !typed(field, value, 'object')) return;
    for (const [k, v] of Object.entries(value as Obj)) if (typeof v !== 'string') typed(`${field}.${k}`, v, 'string');
  };
  const sendAt = (field: string, value: unknown) => {
    if (value === undefined || !typed(field, value, 'integer')) return;
    if ((value as number) * 1000 > now + 72 * 3600_000) fail(field, 'The send_at parameter cannot be scheduled more than 72 hours in advance.', 'send_at');
  };

  if (!isObj(body)) return [{ field: null, message: 'Bad Request', help: null }];
  const hasTemplate = typeof body.template_id === 'string' && body.template_id !== '';

  const ps = body.personalizations;
  let recipients = 0;
  let everySubject = false;
  if (!Array.isArray(ps) || ps.length === 0) {
    fail('personalizations', 'The personalizations field is required and must have at least one personalization.', 'personalizations');
  } else if (ps.length > 1000) {
    fail('personalizations', 'You may not include more than 1000 personalizations per API request. If you need to include more than 1000 personalizations, please divide them across multiple API requests.', 'personalizations');
  } else {
    everySubject = true;
    ps.forEach((p: unknown, i) => {
      const at = `personalizations.${i}`;
      if (!isObj(p)) {
        typed(at, p, 'object');
        everySubject = false;
        return;
      }
      const seen = new Set<string>();
      if (!Array.isArray(p.to) || p.to.length === 0) {
        fail(`${at}.to`, 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.', 'personalizations.to');
      }
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        const list = p[kind];
        if (list === undefined || !typed(`${at}.${kind}`, list, 'array')) continue;
        (list as unknown[]).forEach((r, j) => {
          recipients++;
          const email = isObj(r) ? r.email : undefined;
          if (!isSendgridEmail(email)) return fail(`${at}.${kind}.${j}.email`, 'Does not contain a valid address.', `personalizations.${kind}`);
          if (isObj(r) && r.name !== undefined) typed(`${at}.${kind}.${j}.name`, r.name, 'string');
          if (seen.has(email.toLowerCase())) {
            fail(at, `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${email}] in the ${at}.${kind} field.`, 'personalizations');
          }
          seen.add(email.toLowerCase());
        });
      }
      if (p.from !== undefined && (!isObj(p.from) || !isSendgridEmail(p.from.email))) {
        fail(`${at}.from.email`, 'The from email does not contain a valid address.', 'from');
      }
      if (p.subject === undefined) everySubject = false;
      else if (typeof p.subject !== 'string' || p.subject === '') fail(`${at}.subject`, 'The subject must be a string at least one character in length.', 'personalizations.subject');
      stringMap(`${at}.headers`, p.headers);
      stringMap(`${at}.custom_args`, p.custom_args);
      stringMap(`${at}.substitutions`, p.substitutions);
      if (p.dynamic_template_data !== undefined) typed(`${at}.dynamic_template_data`, p.dynamic_template_data, 'object');
      sendAt(`${at}.send_at`, p.send_at);
    });
  }
  if (recipients > MAX_RECIPIENTS) {
    fail('personalizations', 'The total number of recipients must be no more than 1000. This includes all recipients defined within the to, cc, and bcc parameters, across each object that you include in the personalizations array.', 'personalizations');
  }

  if (!isObj(body.from) || body.from.email === undefined) {
    fail('from.email', 'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.', 'from');
  } else if (!isSendgridEmail(body.from.email)) {
    fail('from.email', 'The from email does not contain a valid address.', 'from');
  }
  if (body.reply_to !== undefined) {
    if (!isObj(body.reply_to) || !isSendgridEmail(body.reply_to.email)) fail('reply_to.email', 'The reply_to email does not contain a valid address.', 'reply_to');
    if (body.reply_to_list !== undefined) fail('reply_to', 'You may not use both reply_to and reply_to_list.', 'reply_to');
  }
  if (body.reply_to_list !== undefined && typed('reply_to_list', body.reply_to_list, 'array')) {
    (body.reply_to_list as unknown[]).forEach((r, j) => {
      if (!isObj(r) || !isSendgridEmail(r.email)) fail(`reply_to_list.${j}.email`, 'Does not contain a valid address.', 'reply_to');
    });
  }

  if (body.subject !== undefined ? typeof body.subject !== 'string' || body.subject === '' : !hasTemplate && !everySubject) {
    fail('subject', 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', 'subject');
  }

  if (body.content === undefined || (Array.isArray(body.content) && body.content.length === 0)) {
    if (!hasTemplate) {
      fail('content', 'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.', 'content');
    }
  } else if (typed('content', body.content, 'array')) {
    const types = (body.content as unknown[]).map((c, i) => {
      const item = isObj(c) ? c : {};
      if (typeof item.type !== 'string' || item.type === '') fail(`content.${i}.type`, 'The content type must be a string at least one character in length.', 'content.type');
      else if (/[;\r\n]/.test(item.type)) fail(`content.${i}.type`, "The content type cannot contain ';', or CRLF characters.", 'content.type');
      if (typeof item.value !== 'string' || item.value === '') fail(`content.${i}.value`, 'The content value must be a string at least one character in length.', 'content.value');
      return typeof item.type === 'string' ? item.type.toLowerCase() : '';
    });
    const plain = types.indexOf('text/plain');
    const html = types.indexOf('text/html');
    if (types.filter((t) => t === 'text/plain').length > 1 || types.filter((t) => t === 'text/html').length > 1) {
      fail('content', 'If present, text/plain and text/html may only be provided once.', 'content');
    } else if (plain > 0 || (html >= 0 && html !== (plain === 0 ? 1 : 0))) {
      fail('content', 'If present, text/plain must be first, followed by text/html, followed by any other content.', 'content');
    }
  }

  if (body.attachments !== undefined && typed('attachments', body.attachments, 'array')) {
    (body.attachments as unknown[]).forEach((a, i) => {
      const at = `attachments.${i}`;
      if (!typed(at, a, 'object')) return;
      const item = a as Obj;
      if (typeof item.content !== 'string' || item.content === '') fail(`${at}.content`, 'The attachment content is required.', 'attachments.content');
      else if (!BASE64.test(item.content)) fail(`${at}.content`, 'The attachment content must be base64 encoded.', 'attachments.content');
      if (typeof item.filename !== 'string' || item.filename === '') fail(`${at}.filename`, 'The attachment filename parameter is required.', 'attachments.filename');
      if (item.type !== undefined && (typeof item.type !== 'string' || item.type === '' || /[;\r\n]/.test(item.type))) {
        fail(`${at}.type`, "The attachment type must be a string at least one character in length and cannot contain ';', or CRLF characters.", 'attachments.type');
      }
      if (item.disposition !== undefined && item.disposition !== 'inline' && item.disposition !== 'attachment') {
        fail(`${at}.disposition`, 'The disposition of your attachment can be either "inline" or "attachment".', 'attachments.disposition');
      }
      if (item.content_id !== undefined) typed(`${at}.content_id`, item.content_id, 'string');
    });
  }

  if (body.categories !== undefined && typed('categories', body.categories, 'array')) {
    const cats = body.categories as unknown[];
    if (cats.length > 10) fail('categories', 'Too many categories. A maximum of 10 categories may be supplied per mail send.', 'categories');
    cats.forEach((c, i) => {
      if (typeof c !== 'string') typed(`categories.${i}`, c, 'string');
      else if (c.length > 255) fail(`categories.${i}`, 'A category cannot be longer than 255 characters.', 'categories');
    });
    if (new Set(cats).size !== cats.length) fail('categories', 'The categories must be unique.', 'categories');
  }

  stringMap('headers', body.headers);
  if (isObj(body.headers)) {
    const reserved = Object.keys(body.headers).filter((h) => RESERVED_HEADERS.includes(h.toLowerCase()));
    if (reserved.length > 0) fail('headers', `You may not override the following headers: ${reserved.join(', ')}.`, 'headers');
  }
  stringMap('custom_args', body.custom_args);
  sendAt('send_at', body.send_at);
  if (body.template_id !== undefined) typed('template_id', body.template_id, 'string');
  if (body.ip_pool_name !== undefined && (typeof body.ip_pool_name !== 'string' || body.ip_pool_name.length < 2 || body.ip_pool_name.length > 64)) {
    fail('ip_pool_name', 'The ip_pool_name must be a string between 2 and 64 characters.', 'ip_pool_name');
  }
  for (const key of ['asm', 'mail_settings', 'tracking_settings'] as const) if (body[key] !== undefined) typed(key, body[key], 'object');
  return errors;
}
