/**
 * The unified event types of the `chat` category: descriptions registered with the event registry
 * when this module loads, `data` types added to `EventDataMap`.
 */
import { registerEventTypes } from '../../events/types.js';
import { CHAT_EVENT_TYPES, type ChatEventDataMap, type ChatEventType } from './contract.js';

export const CHAT_EVENT_DESCRIPTIONS: Record<ChatEventType, string> = {
  'chat.message': 'A message was posted in a channel the bot is in (Slack Events API `message`).',
  'chat.command': 'A user ran a slash command (`data.command`, `data.text`); `hub.chat.command` handlers answer it at `data.responseUrl`.',
  'chat.interaction': 'A user pressed a button, picked a menu option, used a shortcut or submitted a modal (Slack interactivity).',
  'chat.reaction_added': 'A user added an emoji reaction to a message (Slack Events API `reaction_added`).',
};

registerEventTypes({ chat: CHAT_EVENT_DESCRIPTIONS });

// Keep the descriptions in lock-step with the contract (a type added there must be described).
for (const t of CHAT_EVENT_TYPES) if (!(t in CHAT_EVENT_DESCRIPTIONS)) throw new Error(`categories/chat/events.ts: describe ${t}`);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends ChatEventDataMap {}
}
