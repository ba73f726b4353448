/** What the library entry (`src/index.ts`) publishes of the email category: what `hub.email` takes and answers, and the connector contract. */
export { emailCategory } from './index.js';
export { EMAIL_ERROR_CODES } from './errors.js';
export type { EmailService, SendResult } from './service.js';
export type { SendEmailInput, BulkInput } from './schemas.js';
export type {
  EmailAddress,
  EmailAttachment,
  EmailCapability,
  EmailEventData,
  EmailEventType,
  EmailMessage,
  EmailProvider,
  EmailSendResult,
  EmailStatus,
} from './contract.js';

