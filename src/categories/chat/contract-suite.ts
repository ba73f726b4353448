/**
 * The `chat` contract suite: what every chat connector must do, whatever the vendor. Run against
 * each provider (`test/chat-contract.test.ts`) through a real Transport to its emulator, reading
 * back what the emulator received through the harness's `received()`, normalized to
 * {@link ReceivedChat}. Every provider runs the notification part; a workspace provider (Slack)
 * runs the workspace part too; a notification-only one must refuse threads as unsupported.
 *
 * @see ./contract.ts
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import { surelyNotSent } from '../../core/errors.js';
import type { ChaosSettings } from '../../kit/emulator.js';
import type { ChatProvider } from './contract.js';
import './errors.js'; // registers the chat error codes this file uses

/** A message as the server received it, in one shape for every provider. */
export interface ReceivedChat {
  text: string;
  /** Slack's channel; null where the webhook names it. */
  channel: string | null;
  /** The provider's message id when it has one (Slack's ts, Discord's id). */
  id: string | null;
  threadTs: string | null;
  blocks: unknown[] | null;
}

export interface ChatContractHarness {
  provider: ChatProvider;
  received(): Promise<ReceivedChat[]>;
  /** A channel the bot may post to (workspace providers). */
  channel?: string;
  /** A user's address the workspace knows, and its user id (workspace providers). */
  knownUser?: { email: string; id: string };
  chaos?: ChaosSettings;
  teardown(): Promise<void>;
}

/**
 * @example
 * chatContractSuite('slack', async () => ({ provider, received, channel: 'C0GENERAL', chaos, teardown }));
 */
export function chatContractSuite(name: string, setup: () => Promise<ChatContractHarness>): void {
  describe(`chat contract: ${name}`, () => {
    let h: ChatContractHarness;
    const tag = () => `contract ${randomBytes(4).toString('hex')}`;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h?.teardown());

    it('declares what it is: a workspace part exactly on a workspace provider', () => {
      expect(h.provider.id).toBe(name);
      expect(h.provider.workspace !== undefined).toBe(h.provider.kind === 'workspace');
      if (h.provider.kind === 'notification') expect([...h.provider.capabilities].filter((c) => c !== 'blocks')).toEqual([]);
    });

    it('sends a message that arrives as sent (unicode and markup characters kept)', async () => {
      const text = `${tag()}: Ünïcødé ✓ <b>&amp; "quotes"`;
      const r = await h.provider.send({ channel: h.channel, text });
      expect(r.provider).toBe(name);
      const got = (await h.received()).at(-1)!;
      expect(got.text).toBe(text);
      if (r.providerMessageId !== null) expect(got.id).toBe(r.providerMessageId);
    });

    it('threads: a reply lands in the thread, or threadTs is refused as unsupported before sending', async () => {
      if (h.provider.capabilities.has('threads')) {
        const root = await h.provider.send({ channel: h.channel, text: tag() });
        await h.provider.send({ channel: h.channel, text: `${tag()} reply`, threadTs: root.ts! });
        expect((await h.received()).at(-1)!.threadTs).toBe(root.ts);
      } else {
        const before = (await h.received()).length;
        const err = await failure(h.provider.send({ channel: h.channel, text: tag(), threadTs: '1712345678.000100' }));
        expect(err.code).toBe('capability_unsupported');
        expect((await h.received()).length).toBe(before);
      }
    });

    it('blocks arrive as blocks where supported', async (ctx) => {
      if (!h.provider.capabilities.has('blocks')) return ctx.skip();
      await h.provider.send({ channel: h.channel, text: 'fallback', blocks: [{ type: 'divider' }] });
      expect((await h.received()).at(-1)!.blocks).toEqual([{ type: 'divider' }]);
    });

    it('a 429 is provider_rate_limited and surely not sent (the chain may move on)', async (ctx) => {
      if (!h.chaos) return ctx.skip();
      const before = (await h.received()).length;
      Object.assign(h.chaos, { rateLimitNext: 1, retryAfterSec: 0 });
      const err = await failure(h.provider.send({ channel: h.channel, text: tag() }));
      expect(err.code).toBe('provider_rate_limited');
      expect(surelyNotSent(err)).toBe(true);
      expect((await h.received()).length).toBe(before);
    });

    it('a 5xx is provider_unavailable', async (ctx) => {
      if (!h.chaos) return ctx.skip();
      h.chaos.errorRate = 1;
      try {
        expect((await failure(h.provider.send({ channel: h.channel, text: tag() }))).code).toBe('provider_unavailable');
      } finally {
        h.chaos.errorRate = 0;
      }
    });

    describe('workspace part', () => {
      it('update and delete a message; unknown ones are chat_message_not_found', async (ctx) => {
        const w = h.provider.workspace;
        if (!w) return ctx.skip();
        const sent = await h.provider.send({ channel: h.channel, text: 'v1' });
        await w.update({ channel: sent.channel!, ts: sent.ts!, text: 'v2' });
        expect((await h.received()).find((m) => m.id === sent.ts)!.text).toBe('v2');
        await w.delete({ channel: sent.channel!, ts: sent.ts! });
        expect((await h.received()).some((m) => m.id === sent.ts)).toBe(false);
        expect((await failure(w.delete({ channel: sent.channel!, ts: sent.ts! }))).code).toBe('chat_message_not_found');
      });

      it('channels: create, list (paged), invite; a taken name and an unknown channel are mapped', async (ctx) => {
        const w = h.provider.workspace;
        if (!w) return ctx.skip();
        const name = `contract-${randomBytes(3).toString('hex')}`;
        const created = await w.createChannel({ name });
        expect(created).toMatchObject({ name, isMember: true });
        expect((await failure(w.createChannel({ name }))).code).toBe('chat_name_taken');
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await w.listChannels({ limit: 1, cursor });
          expect(page.channels.length).toBeLessThanOrEqual(1);
          seen.push(...page.channels.map((c) => c.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen).toContain(created.id);
        expect(await w.invite({ channel: created.id, users: [h.knownUser!.id] })).toMatchObject({ id: created.id });
        expect((await failure(h.provider.send({ channel: 'C0DOESNOTEXIST', text: 'x' }))).code).toBe('chat_channel_not_found');
      });

      it('users: lookup by email; an unknown address is chat_user_not_found', async (ctx) => {
        const w = h.provider.workspace;
        if (!w) return ctx.skip();
        expect(await w.lookupUserByEmail(h.knownUser!.email)).toMatchObject({ id: h.knownUser!.id, email: h.knownUser!.email, isBot: false });
        expect((await failure(w.lookupUserByEmail(`nobody-${randomBytes(3).toString('hex')}@example.com`))).code).toBe('chat_user_not_found');
      });
    });
  });
}
