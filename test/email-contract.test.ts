/**
 * The email contract suite against every email provider: SendGrid, Mailgun, SMTP and Gmail, each
 * through a real Transport (one attempt, so chaos never makes it sleep) to its emulator, and SMTP
 * once more against Debian's python3-aiosmtpd, a real server nobody on this team wrote (skipped
 * loudly without it, failing under CI=true).
 */
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { describe } from 'vitest';
import { emailContractSuite, receivedAddress, type ReceivedMail } from '../src/categories/email/contract-suite.js';
import { HUB_ID_FIELD, type EmailProvider } from '../src/categories/email/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { gmail, startGmailEmulator, type GmailSentRecord } from '../src/providers/gmail/index.js';
import { mailgun, startMailgunEmulator, type MailgunStoredMessage } from '../src/providers/mailgun/index.js';
import type { AcceptedMail } from '../src/providers/sendgrid/emulator/server.js';
import { sendgrid, startSendgridEmulator } from '../src/providers/sendgrid/index.js';
import { parseMessage, type ParsedSmtpMessage } from '../src/providers/smtp/emulator/parse.js';
import { smtp, startEmulator as startSmtpEmulator, SWITCHBOARD_ID_HEADER, SWITCHBOARD_META_PREFIX, SWITCHBOARD_TAGS_HEADER } from '../src/providers/smtp/index.js';
import {
  AIOSMTPD_PACKAGE,
  findAiosmtpdPython,
  startAiosmtpd,
  warnAiosmtpdMissing,
} from '../src/providers/smtp/test-utils/aiosmtpd.js';
import type { ProviderDefinition, ResolvedConnection, TokenSet } from '../src/kit/connector.js';
import { Transport } from '../src/transport/transport.js';

/** The connector of `def` on a fresh Transport that tries each call once. */
function connect<C extends Record<string, unknown>>(
  def: ProviderDefinition<C>,
  baseUrl: string,
  credentials: Record<string, string>,
  mode: 'sandbox' | 'live' = 'sandbox',
  tokens?: TokenSet,
): EmailProvider {
  const connection: ResolvedConnection<C> = {
    id: `conn_contract_${def.manifest.id}`,
    tenantId: 'ten_contract',
    provider: def.manifest.id,
    mode,
    baseUrl,
    credentials: def.manifest.credentials.parse(credentials),
    tokens,
  };
  const http = new Transport().forConnection({ ...def.manifest, retry: { maxAttempts: 1 } }, connection);
  return def.email!({ connection, http, clock: systemClock, logger: createLogger('silent') });
}

/** The hub closes every provider object that has `close()` (the SMTP pool). */
async function release(provider: EmailProvider): Promise<void> {
  const { close } = provider as { close?: () => Promise<void> };
  if (typeof close === 'function') await close.call(provider);
}

const lowerKeys = (record: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));

/** Splits the hub id off the custom args / user variables that carry it. */
function hubIdAndMetadata(vars: Record<string, string>): { hubId?: string; metadata: Record<string, string> } {
  const { [HUB_ID_FIELD]: hubId, ...metadata } = vars;
  return { hubId, metadata };
}

function fromSendgrid({ body }: AcceptedMail): ReceivedMail {
  const ps = body.personalizations;
  const list = (kind: 'to' | 'cc' | 'bcc') => ps.flatMap((p) => (p[kind] ?? []).map((a) => receivedAddress(a.email, a.name)));
  const content = (type: string) => body.content?.find((c) => c.type === type)?.value;
  return {
    to: list('to'),
    cc: list('cc'),
    bcc: list('bcc'),
    from: receivedAddress(body.from.email, body.from.name),
    replyTo: body.reply_to && receivedAddress(body.reply_to.email, body.reply_to.name),
    subject: ps[0]?.subject ?? body.subject ?? '',
    html: content('text/html'),
    text: content('text/plain'),
    attachments: (body.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.type, content: a.content })),
    headers: lowerKeys({ ...body.headers, ...ps[0]?.headers }),
    tags: body.categories,
    ...hubIdAndMetadata(Object.assign({}, body.custom_args, ...ps.map((p) => p.custom_args))),
  };
}

/** `"Name" <a@b.c>` form values, parsed by nodemailer's RFC 5322 address parser. */
const mailgunAddresses = (values: string[]): string[] =>
  values.flatMap((v) => addressparser(v, { flatten: true })).map((a) => receivedAddress(a.address, a.name || undefined));

function fromMailgun(m: MailgunStoredMessage): ReceivedMail {
  const headers = lowerKeys(m.headers);
  const replyTo = headers['reply-to'];
  return {
    to: mailgunAddresses(m.to),
    cc: mailgunAddresses(m.cc),
    bcc: mailgunAddresses(m.bcc),
    from: mailgunAddresses([m.from])[0] ?? m.from,
    replyTo: replyTo === undefined ? undefined : mailgunAddresses([replyTo])[0],
    subject: m.subject ?? '',
    html: m.html,
    text: m.text,
    attachments: m.attachments.map((f) => ({ filename: f.filename, contentType: f.contentType, content: f.content.toString('base64') })),
    headers,
    tags: m.tags,
    ...hubIdAndMetadata(m.variables),
  };
}

/**
 * RFC 2047 encoded-words (`=?UTF-8?Q?Zo=C3=AB?=`) decoded: how a non-ASCII value travels in a
 * header, and what mailparser leaves as is in headers it does not know.
 */
const decodeWords = (value: string): string =>
  value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1') // the space between two encoded-words is not content
    .replace(/=\?([^?*]+)[^?]*\?([bq])\?([^?]*)\?=/gi, (_, charset: string, encoding: string, text: string) => {
      const qp = () => Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      return new TextDecoder(charset).decode(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qp());
    });

/** A decoded SMTP message plus its envelope recipients: bcc is whoever got it unseen in to/cc. */
function fromSmtp(parsed: ParsedSmtpMessage, rcptTo: string[]): ReceivedMail {
  const p = { ...parsed, headers: Object.fromEntries(Object.entries(parsed.headers).map(([k, v]) => [k, decodeWords(v)])) };
  const visible = new Set([...p.to, ...p.cc].map((a) => a.address.toLowerCase()));
  const header = (name: string) => p.headers[name.toLowerCase()];
  const metaPrefix = SWITCHBOARD_META_PREFIX.toLowerCase();
  const tags = header(SWITCHBOARD_TAGS_HEADER);
  const replyTo = p.replyTo[0];
  return {
    to: p.to.map((a) => receivedAddress(a.address, a.name)),
    cc: p.cc.map((a) => receivedAddress(a.address, a.name)),
    bcc: rcptTo.filter((r) => !visible.has(r.toLowerCase())),
    from: p.from[0] ? receivedAddress(p.from[0].address, p.from[0].name) : '',
    replyTo: replyTo && receivedAddress(replyTo.address, replyTo.name),
    subject: p.subject,
    html: p.html,
    text: p.text,
    attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('base64') })),
    headers: p.headers,
    hubId: header(SWITCHBOARD_ID_HEADER),
    tags: tags === undefined ? undefined : tags.split(/,\s*/),
    metadata: Object.fromEntries(Object.entries(p.headers).filter(([k]) => k.startsWith(metaPrefix)).map(([k, v]) => [k.slice(metaPrefix.length), v])),
  };
}

/** What the Gmail emulator decoded from `raw` (mailparser): Bcc from the header Gmail strips. */
function fromGmail({ parsed: p }: GmailSentRecord): ReceivedMail {
  const address = (a: { address: string; name: string }) => receivedAddress(a.address, a.name || undefined);
  const tags = p.headers[SWITCHBOARD_TAGS_HEADER.toLowerCase()];
  const metaPrefix = SWITCHBOARD_META_PREFIX.toLowerCase();
  return {
    to: p.to.map(address),
    cc: p.cc.map(address),
    bcc: p.bcc.map(address),
    from: p.from[0] ? address(p.from[0]) : '',
    replyTo: p.replyTo[0] && address(p.replyTo[0]),
    subject: p.subject,
    html: p.html,
    text: p.text,
    attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('base64') })),
    headers: p.headers,
    hubId: p.headers[SWITCHBOARD_ID_HEADER.toLowerCase()],
    tags: tags === undefined ? undefined : tags.split(/,\s*/),
    metadata: Object.fromEntries(Object.entries(p.headers).filter(([k]) => k.startsWith(metaPrefix)).map(([k, v]) => [k.slice(metaPrefix.length), v])),
  };
}

emailContractSuite('sendgrid (emulator)', async () => {
  const emulator = await startSendgridEmulator();
  const provider = connect(sendgrid, emulator.url, emulator.credentials);
  return {
    provider,
    inbox: async () => emulator.accepted.map(fromSendgrid),
    // Past the hub's own validation, SendGrid itself refuses a malformed address with a 400.
    invalidRecipient: 'bob@',
    chaos: emulator.chaos,
    teardown: () => emulator.close(),
  };
});

emailContractSuite('mailgun (emulator)', async () => {
  const emulator = await startMailgunEmulator();
  const provider = connect(mailgun, emulator.url, emulator.credentials);
  return {
    provider,
    inbox: async () => emulator.accepted.map(fromMailgun),
    // Mailgun answers 400 "'to' parameter is not a valid address".
    invalidRecipient: 'bob@',
    chaos: emulator.chaos,
    teardown: () => emulator.close(),
  };
});

emailContractSuite('smtp (emulator)', async () => {
  const emulator = await startSmtpEmulator();
  const provider = connect(smtp, emulator.url, emulator.credentials);
  return {
    provider,
    inbox: async () =>
      emulator.accepted.map((m) => {
        if (!m.parsed) throw new Error('the SMTP emulator could not decode a message (is mailparser installed?)');
        return fromSmtp(m.parsed, m.envelope.rcptTo);
      }),
    // The emulator answers 550 "User unknown" at RCPT TO for local parts starting with `reject`.
    invalidRecipient: 'reject-me@example.com',
    chaos: emulator.chaos,
    teardown: async () => {
      await release(provider);
      await emulator.close();
    },
  };
});

emailContractSuite('gmail (emulator)', async () => {
  const emulator = await startGmailEmulator();
  // The emulator's own access token, as a sandbox connection gets it.
  const provider = connect(gmail, emulator.url, emulator.credentials, 'sandbox', emulator.tokens);
  return {
    provider,
    inbox: async () => emulator.accepted.map(fromGmail),
    // Gmail answers 400 invalidArgument "Invalid To header".
    invalidRecipient: 'bob@',
    chaos: emulator.chaos,
    teardown: () => emulator.close(),
  };
});

const inCi = process.env.CI === 'true';
const python = findAiosmtpdPython();
if (!python && !inCi) warnAiosmtpdMissing('the email contract suite against a real SMTP server');

/** Headers aiosmtpd's Mailbox handler adds on receipt: the server's notes, not the wire. */
const AIOSMTPD_NOTES = ['x-peer', 'x-mailfrom', 'x-rcpttos', 'x-rcptto'];

describe.skipIf(!python && !inCi)(`SMTP against ${AIOSMTPD_PACKAGE} (a real server)`, () => {
  emailContractSuite('smtp (aiosmtpd)', async () => {
    if (!python) throw new Error(`CI=true but ${AIOSMTPD_PACKAGE} is not installed: add \`apt-get install -y ${AIOSMTPD_PACKAGE}\` to the CI image`);
    const server = await startAiosmtpd(python);
    const provider = connect(smtp, server.baseUrl, { host: '127.0.0.1' }, 'live');
    const decode = async (raw: Buffer): Promise<ReceivedMail> => {
      const parsed = await parseMessage(raw);
      if (!parsed) throw new Error('mailparser could not decode a message aiosmtpd stored');
      const rcptTo = (parsed.headers['x-rcptto'] ?? '').split(/,\s*/).filter(Boolean);
      const headers = Object.fromEntries(Object.entries(parsed.headers).filter(([k]) => !AIOSMTPD_NOTES.includes(k)));
      return fromSmtp({ ...parsed, headers }, rcptTo);
    };
    return {
      provider,
      inbox: async () => Promise.all((await server.delivered()).map(decode)),
      // aiosmtpd refuses a malformed address at RCPT TO with 553 5.1.3 (it refuses no well-formed one).
      invalidRecipient: 'bob@',
      teardown: async () => {
        await release(provider);
        await server.stop();
      },
    };
  });
});
