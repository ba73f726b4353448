/**
 * Twilio: the SMS / WhatsApp connector, its webhooks (status callbacks, incoming messages) and
 * its emulator.
 *
 * WHERE VOICE PLUGS IN: add `voice: (ctx) => createTwilioVoice(ctx)` to `defineProvider` below,
 * the voice webhook parser to the `createTwilioWebhooks([...])` list (the first parser that
 * recognizes a request wins: messaging's looks for `MessageSid`; the second list answers TwiML to
 * the requests that expect it), `'voice'` to the manifest's
 * `categories`, and the voice emulator part(s) to `TWILIO_EMULATOR_PARTS` in `emulator/index.ts`.
 *
 * @see https://www.twilio.com/docs/usage/api
 * @example
 * import { twilio } from './providers/twilio/index.js';
 * const emulator = await twilio.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { twilioManifest } from './manifest.js';
import { parseTwilioMessagingWebhook, twilioMessagingAck } from './messaging-events.js';
import { createTwilioSms } from './sms.js';
import { createTwilioWebhooks } from './webhooks.js';
import { createTwilioVoice } from './voice.js';
import { parseTwilioVoiceWebhook } from './voice-webhooks.js';
import type * as Emulator from './emulator/index.js'; // types only: the code loads on first use

export const twilioWebhooks = createTwilioWebhooks([parseTwilioMessagingWebhook, parseTwilioVoiceWebhook], [twilioMessagingAck]);

export const twilio = defineProvider({
  manifest: twilioManifest,
  sms: (ctx) => createTwilioSms(ctx),
  voice: (ctx) => createTwilioVoice(ctx),
  webhooks: twilioWebhooks,
  startEmulator: startTwilioEmulator,
});

export { createTwilioSms, toTwilioForm } from './sms.js';
export { mapTwilioError, mapTwilioVoiceError, twilioErrorOf } from './errors.js';
export { twilioCredentials, twilioManifest, type TwilioCredentials } from './manifest.js';
export { createTwilioWebhooks, EMPTY_TWIML, parseTwilioForm, twilioSignature, twilioSignedString, verifyTwilioWebhook, type TwilioParams, type TwilioWebhookParser } from './webhooks.js';
export { parseTwilioMessagingWebhook, twilioMessagingAck } from './messaging-events.js';
export { createTwilioVoice, toCall, toRecording, TWILIO_CALL_STATUS } from './voice.js';
export { parseTwilioVoiceWebhook } from './voice-webhooks.js';
export { renderTwilioIvr, twilioBridgeTwiml } from './ivr.js';
export { twilioLookup } from './lookup.js';
export type { TwilioEmulator } from './emulator/index.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startTwilioEmulator(...args: Parameters<typeof Emulator.startTwilioEmulator>): ReturnType<typeof Emulator.startTwilioEmulator> {
  return (await import('./emulator/index.js')).startTwilioEmulator(...args);
}
