/**
 * The error codes of the `chat` category, registered with the hub's one registry when this module
 * loads (`docs/errors.md` lists them). Slack answers most refusals with HTTP 200 and
 * `{ok: false, error}`; `providers/slack/errors.ts` maps those to these codes.
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const CHAT_ERROR_CODES = registerErrorCodes({
  chat_channel_not_found: errorCode(404, false, false, 'The chat provider knows no such channel (Slack `channel_not_found`); pass a channel id (`C…`) the bot can see.'),
  chat_not_in_channel: errorCode(409, false, false, 'The bot is not a member of the channel (Slack `not_in_channel`); invite it to the channel first.'),
  chat_message_not_found: errorCode(404, false, false, 'No such message in the channel, or the bot may not change it (Slack `message_not_found`, `cant_update_message`, `cant_delete_message`).'),
  chat_user_not_found: errorCode(404, false, false, 'No user of the workspace has this email address or id (Slack `users_not_found`, `user_not_found`).'),
  chat_name_taken: errorCode(409, false, false, 'A channel with this name already exists (Slack `name_taken`).'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof CHAT_ERROR_CODES, ErrorCodeInfo> {}
}
