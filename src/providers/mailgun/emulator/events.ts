/**
 * The events the emulator makes up for an accepted message, in Mailgun's `event-data` shape, and
 * their signed webhook envelope.
 *
 * What happens to a recipient depends on its local part (case-insensitive prefix):
 * - `bounce…`   accepted → failed (severity permanent, reason bounce, SMTP 550)
 * - `defer…`    accepted → failed (severity temporary, SMTP 421)
 * - `suppress…` accepted → failed (severity permanent, reason suppress-bounce, code 605)
 * - `open…`     accepted → delivered → opened
 * - `click…`    accepted → delivered → opened → clicked (the first link of the message)
 * - `complain…` accepted → delivered → complained
 * - `unsub…`    accepted → delivered → unsubscribed
 * - anything else: accepted → delivered
 *
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/events/
 */
import { randomBytes } from 'node:crypto';
import { mailgunSignature } from '../webhooks.js';
import { addressOf, type MailgunStoredMessage } from './form.js';

export type MailgunEventData = Record<string, unknown> & { id: string; event: string; timestamp: number; recipient: string };

type Step = { event: string; extra: (recipient: string, message: MailgunStoredMessage) => Record<string, unknown> };

const mxOf = (recipient: string) => `mx.${recipient.split('@')[1] ?? 'example.com'}`;

const delivered: Step = {
  event: 'delivered',
  extra: (recipient) => ({
    'log-level': 'info',
    'delivery-status': {
      tls: true,
      'mx-host': mxOf(recipient),
      code: 250,
      description: '',
      'session-seconds': 0.12,
      message: 'OK',
      'attempt-no': 1,
      'certificate-verified': true,
    },
  }),
};
const opened: Step = {
  event: 'opened',
  extra: () => ({
    'log-level': 'info',
    ip: '127.0.0.1',
    geolocation: { country: 'US', region: 'Unknown', city: 'Unknown' },
    'client-info': { 'client-type': 'browser', 'client-os': 'Linux', 'device-type': 'desktop', 'client-name': 'Firefox' },
  }),
};

function failed(severity: 'permanent' | 'temporary', reason: string, status: Record<string, unknown>): Step {
  return {
    event: 'failed',
    extra: (recipient) => ({
      'log-level': severity === 'permanent' ? 'error' : 'warn',
      severity,
      reason,
      'delivery-status': { 'mx-host': mxOf(recipient), 'attempt-no': 1, description: '', 'session-seconds': 0.08, ...status },
    }),
  };
}

const simple = (event: string, logLevel: string): Step => ({ event, extra: () => ({ 'log-level': logLevel }) });

function firstLink(message: MailgunStoredMessage): string {
  return /https?:\/\/[^\s"'<>]+/.exec(`${message.html ?? ''} ${message.text ?? ''}`)?.[0] ?? 'https://example.com/';
}

const BOUNCED = { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.' };
const DEFERRED = {
  code: 421,
  message: '4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.',
  'retry-seconds': 600,
};
const SUPPRESSED = { code: 605, message: '', description: 'Not delivering to previously bounced address', 'session-seconds': 0 };
const clicked: Step = { event: 'clicked', extra: (r, m) => ({ ...opened.extra(r, m), url: firstLink(m) }) };

const SCENARIOS: [prefix: string, steps: Step[]][] = [
  ['bounce', [failed('permanent', 'bounce', BOUNCED)]],
  ['defer', [failed('temporary', 'generic', DEFERRED)]],
  ['suppress', [failed('permanent', 'suppress-bounce', SUPPRESSED)]],
  ['open', [delivered, opened]],
  ['click', [delivered, opened, clicked]],
  ['complain', [delivered, simple('complained', 'warn')]],
  ['unsub', [delivered, simple('unsubscribed', 'info')]],
];

function stepsFor(recipient: string): Step[] {
  const local = recipient.split('@')[0]!.toLowerCase();
  const scenario = SCENARIOS.find(([prefix]) => local.startsWith(prefix));
  return [simple('accepted', 'info'), ...(scenario?.[1] ?? [delivered])];
}

/** Mailgun's event ids: 22 url-safe characters. */
const eventId = () => randomBytes(16).toString('base64url').slice(0, 22);

/**
 * Every event of one accepted message, oldest first, each a Mailgun `event-data` object.
 *
 * @example
 * buildMessageEvents(stored, Date.now()).map((e) => e.event) // ['accepted', 'delivered']
 */
export function buildMessageEvents(message: MailgunStoredMessage, now: number): MailgunEventData[] {
  const events: MailgunEventData[] = [];
  const from = addressOf(message.from) ?? message.from;
  const common = {
    tags: message.tags.slice(0, 3),
    'user-variables': message.variables,
    campaigns: [],
    flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': message.options.testmode === 'yes' },
    message: {
      headers: { to: message.to.join(', '), 'message-id': message.messageId, from: message.from, subject: message.subject ?? '' },
      attachments: message.attachments.map((a) => ({ filename: a.filename, 'content-type': a.contentType, size: a.size })),
      size: (message.text?.length ?? 0) + (message.html?.length ?? 0) + message.attachments.reduce((n, a) => n + a.size, 0),
    },
  };
  let tick = 0;
  for (const recipient of message.recipients) {
    for (const step of stepsFor(recipient)) {
      events.push({
        id: eventId(),
        timestamp: Math.round(now + tick++) / 1000,
        event: step.event,
        recipient,
        'recipient-domain': recipient.split('@')[1] ?? '',
        ...(step.event === 'accepted' ? { method: 'HTTP' } : {}),
        envelope: { transport: 'smtp', sender: from, targets: recipient, ...(step.event === 'accepted' ? {} : { 'sending-ip': '127.0.0.1' }) },
        ...common,
        ...step.extra(recipient, message),
      });
    }
  }
  return events;
}

/**
 * The body Mailgun POSTs for one event: `{ signature: { timestamp, token, signature }, event-data }`.
 *
 * @example
 * const body = signedWebhookBody(event, signingKey, Date.now());
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 */
export function signedWebhookBody(event: MailgunEventData, signingKey: string, now: number): string {
  const timestamp = String(Math.floor(now / 1000));
  const token = randomBytes(25).toString('hex');
  return JSON.stringify({
    signature: { timestamp, token, signature: mailgunSignature(signingKey, timestamp, token) },
    'event-data': event,
  });
}
