/** What the library entry (`src/index.ts`) publishes of the sms category: what `hub.sms` takes and answers, and the connector contract. */
export { smsCategory } from './index.js';
export { SMS_ERROR_CODES } from './errors.js';
export { SMS_EVENT_DESCRIPTIONS, WHATSAPP_EVENT_DESCRIPTIONS, type SmsEventType } from './events.js';
export { countSegments, segmentsOf, type SegmentCount } from './segments.js';
export type { SmsService, SmsSendAnswer } from './service.js';
export type { SmsBulk } from './bulk.js';
export type { Verifications } from './verification.js';
export type { SendSmsInput, SendWhatsAppInput, SendCodeInput, VerifyCodeInput, AlertInput, SmsBulkInput } from './schemas.js';
export { SMS_STATUSES, SMS_STATUS_RANK } from './contract.js';
export type {
  SmsCapability,
  SmsChannel,
  SmsEventData,
  SmsMessage,
  SmsProvider,
  SmsProviderStatus,
  SmsSendResult,
  SmsStatus,
  SmsVerification,
} from './contract.js';
