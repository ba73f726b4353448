/**
 * The `email` contract suite: what every email connector must do, whatever the vendor. It is run
 * against each provider (`test/email-contract.test.ts`), through a real Transport to the
 * provider's emulator or to a real server, and reads back what the server received through the
 * harness's `inbox()`, normalized to {@link ReceivedMail}.
 *
 * Optional features are checked where the provider's `capabilities` declare them, and a declared
 * capability must really work; an undeclared one is skipped with a note.
 *
 * @see ./contract.ts
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { HubError } from '../../core/errors.js';
import type { ChaosSettings } from '../../kit/emulator.js';
import type { EmailCapability, EmailMessage, EmailProvider, EmailSendResult } from './contract.js';
import './errors.js'; // registers the email error codes this file uses

/** An attachment as the server received it. */
export interface ReceivedAttachment {
  filename: string;
  contentType?: string;
  /** Base64 of the received bytes. */
  content: string;
}

/**
 * A message as the server received it, in one shape for every provider. Addresses are
 * `Name <email>` when a display name arrived, else the bare address (see {@link receivedAddress}).
 */
export interface ReceivedMail {
  to: string[];
  cc: string[];
  /** Recipients that got the message without appearing in to/cc (SMTP: from the envelope). */
  bcc: string[];
  from: string;
  replyTo?: string;
  subject: string;
  html?: string;
  text?: string;
  attachments: ReceivedAttachment[];
  /** Header fields the wire carried, names lower-cased (SMTP: all of them; HTTP APIs: the custom ones). */
  headers: Record<string, string>;
  /** The hub's message id as the provider carries it for event correlation. */
  hubId?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}

/** What `setup()` gives the suite for one provider. */
export interface EmailContractHarness {
  /** The connector, bound to a real Transport pointed at the server. */
  provider: EmailProvider;
  /** Every message the server received so far, normalized. */
  inbox(): Promise<ReceivedMail[]>;
  teardown(): Promise<void>;
  /** An address this server refuses as a recipient (an emulator pattern, or a malformed address). */
  invalidRecipient: string;
  /** The emulator's chaos knobs; absent for a real server, which skips the 5xx case. */
  chaos?: ChaosSettings;
}

/**
 * The canonical form of a received address: `Name <email>`, or `email` without a name.
 *
 * @example
 * receivedAddress('ann@example.com', 'Ann') // 'Ann <ann@example.com>'
 */
export function receivedAddress(email: string, name?: string): string {
  return name ? `${name} <${email}>` : email;
}

const bare = (address: string): string => (/<([^<>]*)>\s*$/.exec(address)?.[1] ?? address).trim().toLowerCase();
const bareSet = (list: string[]): string[] => list.map(bare).sort();
/** Line endings and a final newline are SMTP wire artefacts, not content. */
const body = (value: string | undefined): string | undefined => value?.replace(/\r\n/g, '\n').replace(/\n+$/, '');
const mime = (value: string | undefined): string | undefined => value?.split(';')[0]?.trim().toLowerCase();
const canonical = (base64: string): string => Buffer.from(base64, 'base64').toString('base64');

/**
 * Registers the email contract tests for one provider (a vitest `describe`).
 *
 * @example
 * emailContractSuite('sendgrid (emulator)', async () => {
 *   const emulator = await startSendgridEmulator();
 *   return { provider, inbox: async () => emulator.accepted.map(normalize), invalidRecipient: 'bob@', chaos: emulator.chaos, teardown: () => emulator.close() };
 * });
 */
export function emailContractSuite(name: string, setup: () => Promise<EmailContractHarness>): void {
  describe(`email contract: ${name}`, () => {
    let h: EmailContractHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => h?.teardown());

    const run = randomBytes(4).toString('hex');
    let n = 0;
    /** A message with a unique id and subject, so its arrival is found in a shared inbox. */
    const message = (over: Partial<EmailMessage> = {}): EmailMessage => {
      n++;
      return {
        from: { email: 'sender@example.com' },
        to: [{ email: 'alice@example.com' }],
        text: 'Hello from the contract suite.',
        ...over,
        id: `msg_contract_${run}_${n}`,
        subject: `${over.subject ?? 'Contract'} [${run}-${n}]`,
      };
    };
    const arrivals = async (msg: EmailMessage) => (await h.inbox()).filter((m) => m.subject === msg.subject);
    /** Sends `msg` and returns the result and its one arrival. */
    const deliver = async (msg: EmailMessage): Promise<{ result: EmailSendResult; mail: ReceivedMail }> => {
      const result = await h.provider.send(msg);
      const arrived = await arrivals(msg);
      expect(arrived, `"${msg.subject}" arrives exactly once`).toHaveLength(1);
      return { result, mail: arrived[0]! };
    };
    const failure = async (msg: EmailMessage): Promise<HubError> => {
      const err: unknown = await h.provider.send(msg).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(HubError);
      return err as HubError;
    };
    const requires = (ctx: TestContext, capability: EmailCapability): void => {
      if (!h.provider.capabilities.has(capability)) ctx.skip(`${h.provider.id} does not declare '${capability}'`);
    };

    it('answers { provider, providerMessageId, status: sent }, a distinct id per message', async () => {
      const first = await h.provider.send(message());
      const second = await h.provider.send(message());
      for (const result of [first, second]) {
        expect(result).toMatchObject({ provider: h.provider.id, status: 'sent' });
        expect(typeof result.providerMessageId).toBe('string');
        expect(result.providerMessageId.trim()).not.toBe('');
      }
      expect(second.providerMessageId).not.toBe(first.providerMessageId);
    });

    it('delivers a minimal text message', async () => {
      const msg = message({ subject: 'Minimal', text: 'Just text.' });
      const { mail } = await deliver(msg);
      expect(bare(mail.from)).toBe('sender@example.com');
      expect(bareSet(mail.to)).toEqual(['alice@example.com']);
      expect(mail.cc).toEqual([]);
      expect(mail.bcc).toEqual([]);
      expect(body(mail.text)).toBe('Just text.');
      expect(mail.html ?? undefined).toBeUndefined();
      expect(mail.attachments).toEqual([]);
    });

    it('delivers html and text alternatives, both intact', async () => {
      const text = 'Line one — ünïcode ✓\n.\n..two dots\nend';
      const html = '<p>Hello <b>Alice</b> — ✓</p>';
      const { mail } = await deliver(message({ subject: 'Réunion — ✓ both bodies', text, html }));
      expect(mail.subject).toMatch(/^Réunion — ✓ both bodies \[/);
      expect(body(mail.text)).toBe(text);
      expect(body(mail.html)).toBe(html);
    });

    it('delivers to every to, cc and bcc recipient; bcc shows in no header', async () => {
      const bcc = [{ email: 'audit@example.com' }, { email: 'archive@example.org' }];
      const to = [{ email: 'alice@example.com' }, { email: 'bob@example.net' }];
      const { mail } = await deliver(message({ to, cc: [{ email: 'carol@example.com' }], bcc }));
      expect(bareSet(mail.to)).toEqual(['alice@example.com', 'bob@example.net']);
      expect(bareSet(mail.cc)).toEqual(['carol@example.com']);
      expect(bareSet(mail.bcc)).toEqual(['archive@example.org', 'audit@example.com']);
      expect(Object.keys(mail.headers)).not.toContain('bcc');
      const headerText = Object.values(mail.headers).join('\n').toLowerCase();
      for (const { email } of bcc) expect(headerText).not.toContain(email);
    });

    it('keeps display names of from, to and cc', async () => {
      const from = { email: 'sender@example.com', name: 'Zoë Sender' };
      const to = [{ email: 'alex@example.com', name: 'Alex "Al" Doe, Jr.' }, { email: 'plain@example.com' }];
      const { mail } = await deliver(message({ from, to, cc: [{ email: 'carol@example.com', name: 'Carol Café' }] }));
      expect(mail.from).toBe('Zoë Sender <sender@example.com>');
      expect(mail.to).toEqual(['Alex "Al" Doe, Jr. <alex@example.com>', 'plain@example.com']);
      expect(mail.cc).toEqual(['Carol Café <carol@example.com>']);
    });

    it('sets the reply-to address', async () => {
      const { mail } = await deliver(message({ replyTo: { email: 'support@example.com', name: 'Support Desk' } }));
      expect(mail.replyTo).toBe('Support Desk <support@example.com>');
    });

    it('delivers attachments byte-identical, with filename and content type', async (ctx) => {
      requires(ctx, 'attachments');
      const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);
      const csv = Buffer.from('id;name\n1;Zoë\r\n2;"a\rb"\n', 'utf8');
      const sent = [
        { filename: 'report.pdf', contentType: 'application/pdf', content: binary.toString('base64') },
        { filename: 'export.csv', contentType: 'text/csv', content: csv.toString('base64') },
      ];
      const { mail } = await deliver(message({ attachments: sent }));
      const got = mail.attachments
        .map((a) => ({ filename: a.filename, contentType: mime(a.contentType), content: canonical(a.content) }))
        .sort((a, b) => a.filename.localeCompare(b.filename));
      expect(got).toEqual([...sent].sort((a, b) => a.filename.localeCompare(b.filename)));
    });

    it('delivers custom headers', async (ctx) => {
      requires(ctx, 'custom-headers');
      const { mail } = await deliver(message({ headers: { 'X-Campaign': 'spring-2024', 'X-Ticket-Ref': 'T-1234' } }));
      expect(mail.headers['x-campaign']).toBe('spring-2024');
      expect(mail.headers['x-ticket-ref']).toBe('T-1234');
    });

    it('carries the hub message id, so delivery events correlate', async () => {
      const msg = message();
      const { mail } = await deliver(msg);
      expect(mail.hubId).toBe(msg.id);
    });

    it('carries tags', async (ctx) => {
      requires(ctx, 'tags');
      const { mail } = await deliver(message({ tags: ['welcome', 'q3'] }));
      expect([...(mail.tags ?? [])].sort()).toEqual(['q3', 'welcome']);
    });

    it('carries metadata (keys compared case-insensitively: SMTP carries them as header names)', async (ctx) => {
      requires(ctx, 'metadata');
      const { mail } = await deliver(message({ metadata: { orderId: 'o-42', plan: 'Pro Zoë' } }));
      const got = Object.fromEntries(Object.entries(mail.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      expect(got).toEqual({ orderid: 'o-42', plan: 'Pro Zoë' });
    });

    it('raises invalid_recipient, not retryable and without failover, for a refused recipient', async () => {
      const msg = message({ to: [{ email: h.invalidRecipient }] });
      const err = await failure(msg);
      expect(err).toMatchObject({ code: 'invalid_recipient', retryable: false, failover: false, provider: h.provider.id });
      expect(await arrivals(msg)).toHaveLength(0);
    });

    it('raises a retryable provider_unavailable with failover on a server error', async (ctx) => {
      const chaos = h.chaos;
      if (!chaos) return ctx.skip(`${name} has no chaos knobs (a real server)`);
      chaos.errorRate = 1;
      try {
        const err = await failure(message());
        expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, failover: true, provider: h.provider.id });
      } finally {
        chaos.errorRate = 0;
      }
      await expect(h.provider.send(message())).resolves.toMatchObject({ status: 'sent' });
    });
  });
}
