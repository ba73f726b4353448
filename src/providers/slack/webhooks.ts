/**
 * Slack's inbound requests at `POST /webhooks/slack`: the Events API (JSON, with its
 * `url_verification` check), slash commands (form-encoded) and interactivity (a form field
 * `payload` holding JSON), all signed `v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{raw body}")>`
 * with a 5-minute tolerance. The hub stores and answers 200 at once (well within Slack's 3
 * seconds); commands are answered later at their `response_url`.
 *
 * Slack retries an event it got no 200 for (`X-Slack-Retry-Num`) with the same body: the inbox
 * de-duplicates on the event's `event_id` ({@link slackReplayKey}).
 *
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 * @see https://api.slack.com/apis/events-api#retries
 * @see https://api.slack.com/interactivity/slash-commands#app_command_handling
 */
import { createHash } from 'node:crypto';
import type { ChatCommandData, ChatInteractionData, ChatMessageData, ChatReactionData } from '../../categories/chat/contract.js';
import type { InboundEvent, WebhookHandler } from '../../kit/inbound.js';
import { SLACK_V0, slackUrlVerification, verifyV0Signature } from '../../kit/webhook-handshakes.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Message subtypes that are a user's message (others are edits, joins, deletions: not `chat.message`). */
const MESSAGE_SUBTYPES = new Set([null, 'thread_broadcast', 'file_share', 'me_message']);

function isJson(rawBody: Buffer): boolean {
  const first = rawBody.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  return first === 0x7b; // '{'
}

const sha = (rawBody: Buffer) => createHash('sha256').update(rawBody).digest('hex');

/** An Events API delivery → its event (a message or a reaction), or none. */
function parseEventCallback(body: Json, rawBody: Buffer): InboundEvent[] {
  if (body.type !== 'event_callback') return [];
  const event = obj(body.event);
  const teamId = str(body.team_id);
  const providerEventId = str(body.event_id) ?? `body:${sha(rawBody)}`;
  const occurredAt = typeof body.event_time === 'number' ? body.event_time * 1000 : Date.now();
  const { token: _token, ...raw } = body; // the legacy verification token is not kept
  if (event.type === 'message' && MESSAGE_SUBTYPES.has(str(event.subtype))) {
    const data: ChatMessageData = {
      channel: str(event.channel) ?? '',
      user: str(event.user),
      text: typeof event.text === 'string' ? event.text : '',
      ts: str(event.ts) ?? '',
      threadTs: str(event.thread_ts),
      teamId,
      subtype: str(event.subtype),
    };
    return [{ providerEventId, type: 'chat.message', occurredAt, ref: { providerObjectId: data.ts || undefined }, data: { ...data }, raw }];
  }
  if (event.type === 'reaction_added') {
    const item = obj(event.item);
    const data: ChatReactionData = { reaction: str(event.reaction) ?? '', user: str(event.user), channel: str(item.channel), ts: str(item.ts), teamId };
    return [{ providerEventId, type: 'chat.reaction_added', occurredAt, ref: { providerObjectId: data.ts ?? undefined }, data: { ...data }, raw }];
  }
  return [];
}

/** A slash command's form fields → `chat.command`. */
function parseCommand(form: URLSearchParams, rawBody: Buffer): InboundEvent {
  const get = (k: string) => str(form.get(k));
  const data: ChatCommandData = {
    command: get('command') ?? '',
    text: form.get('text') ?? '',
    user: get('user_id') ?? '',
    userName: get('user_name'),
    channel: get('channel_id') ?? '',
    channelName: get('channel_name'),
    teamId: get('team_id'),
    triggerId: get('trigger_id'),
    responseUrl: get('response_url') ?? '',
  };
  const raw = Object.fromEntries([...form].filter(([k]) => k !== 'token'));
  return { providerEventId: `command:${data.triggerId ?? sha(rawBody)}`, type: 'chat.command', occurredAt: Date.now(), ref: {}, data: { ...data }, raw };
}

/** An interactivity payload → `chat.interaction`. */
function parseInteraction(payload: Json, rawBody: Buffer): InboundEvent {
  const actions = Array.isArray(payload.actions) ? payload.actions.map(obj) : [];
  const data: ChatInteractionData = {
    kind: str(payload.type) ?? 'unknown',
    user: str(obj(payload.user).id),
    channel: str(obj(payload.channel).id),
    teamId: str(obj(payload.team).id),
    actions: actions.map((a) => ({ actionId: str(a.action_id) ?? '', value: str(a.value) ?? str(obj(a.selected_option).value), blockId: str(a.block_id) })),
    callbackId: str(payload.callback_id) ?? str(obj(payload.view).callback_id),
    triggerId: str(payload.trigger_id),
    responseUrl: str(payload.response_url),
  };
  const { token: _token, ...raw } = payload;
  const id = data.triggerId ?? str(obj(payload.container).message_ts) ?? sha(rawBody);
  return { providerEventId: `interaction:${id}:${sha(rawBody).slice(0, 16)}`, type: 'chat.interaction', occurredAt: Date.now(), ref: {}, data: { ...data }, raw };
}

/**
 * Parses a verified Slack request into events (none for an event type the hub does not map).
 *
 * @example
 * parseSlackRequest(Buffer.from('command=%2Fdeal&text=42&user_id=U1&channel_id=C1&response_url=…')) // [{ type: 'chat.command', … }]
 */
export function parseSlackRequest(rawBody: Buffer): InboundEvent[] {
  const text = rawBody.toString('utf8');
  if (isJson(rawBody)) return parseEventCallback(obj(JSON.parse(text)), rawBody);
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  if (payload !== null) return [parseInteraction(obj(JSON.parse(payload)), rawBody)];
  if (form.get('command')) return [parseCommand(form, rawBody)];
  return [];
}

/**
 * What one signed delivery is: an event's `event_id` (a retry carries the same one), else the body.
 *
 * @example
 * slackReplayKey(Buffer.from('{"type":"event_callback","event_id":"Ev1"}')) // 'event:Ev1'
 */
export function slackReplayKey(rawBody: Buffer): string {
  if (isJson(rawBody)) {
    try {
      const id = str(obj(JSON.parse(rawBody.toString('utf8'))).event_id);
      if (id) return `event:${id}`;
    } catch {
      // not JSON after all: the body identifies it
    }
  }
  return `body:${sha(rawBody)}`;
}

export const slackWebhooks: WebhookHandler = {
  secretFields: ['signingSecret'],
  signatureHeaders: ['x-slack-signature'],
  verify(input) {
    verifyV0Signature(SLACK_V0, input);
    const reply = slackUrlVerification(input.rawBody);
    return reply && { handshake: reply };
  },
  // A slash command or an interaction is answered with an empty 200: Slack shows any other answer
  // to the user (commands answer later at their response_url). Events API deliveries keep the default.
  ack: (rawBody) => (isJson(rawBody) ? undefined : { status: 200, contentType: 'text/plain; charset=utf-8', body: '' }),
  parse: (rawBody) => parseSlackRequest(rawBody),
  replayKey: (rawBody) => slackReplayKey(rawBody),
};
