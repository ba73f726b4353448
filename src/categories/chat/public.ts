/** What the library entry (`src/index.ts`) publishes of the chat category: what `hub.chat` takes and answers, commands, and the connector contract. */
export { chatCategory } from './index.js';
export { CHAT_ERROR_CODES } from './errors.js';
export type { ChatService, ChatSent } from './service.js';
export type { ChatCommand, ChatCommandHandler } from './commands.js';
export type { SendChatInput, UpdateChatInput, DeleteChatInput, ListChannelsInput, CreateChannelInput } from './schemas.js';
export type {
  ChatCapability,
  ChatChannel,
  ChatChannelPage,
  ChatCommandData,
  ChatEventDataMap,
  ChatEventType,
  ChatInteractionData,
  ChatMessage,
  ChatMessageData,
  ChatProvider,
  ChatReactionData,
  ChatReply,
  ChatSendResult,
  ChatUser,
  ChatWorkspace,
} from './contract.js';
