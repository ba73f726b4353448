/**
 * Twilio's SMS / MMS / WhatsApp connector (Programmable Messaging, 2010-04-01 API) and Verify v2.
 *
 * @see https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 * @see https://www.twilio.com/docs/verify/api
 */
import { HubError, validationError } from '../../core/errors.js';
import type { SmsCapability, SmsMessage, SmsProvider, SmsProviderStatus, SmsSendResult, SmsStatus, SmsVerification } from '../../categories/sms/contract.js';
import { SMS_STATUSES } from '../../categories/sms/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { TwilioCredentials } from './manifest.js';

const PROVIDER = 'twilio';
const CAPABILITIES: ReadonlySet<SmsCapability> = new Set<SmsCapability>(['mms', 'whatsapp', 'templates', 'schedule', 'status-callbacks']);

/** The part of a Message resource the connector reads. */
interface TwilioMessageJson {
  sid: string;
  status: string;
  num_segments?: string;
  error_code?: number | null;
  error_message?: string | null;
}

const statusOf = (s: string): SmsStatus => ((SMS_STATUSES as readonly string[]).includes(s) ? (s as SmsStatus) : 'queued');
const isMessagingService = (v: string) => /^MG[0-9a-fA-F]{32}$/.test(v);

/**
 * The form a send posts: `To`, `From` or `MessagingServiceSid`, `Body`, `MediaUrl` (repeated),
 * `StatusCallback`, `ContentSid` + `ContentVariables`, `SendAt` + `ScheduleType`.
 *
 * @example
 * toTwilioForm({ id: 'm1', channel: 'whatsapp', to: '+14155552671', body: 'hi' }, { whatsappNumber: '+14155238886' }).toString()
 * // 'To=whatsapp%3A%2B14155552671&From=whatsapp%3A%2B14155238886&Body=hi'
 */
export function toTwilioForm(message: SmsMessage, credentials: Pick<TwilioCredentials, 'phoneNumber' | 'whatsappNumber'>): URLSearchParams {
  const wa = message.channel === 'whatsapp';
  const form = new URLSearchParams();
  form.append('To', wa ? `whatsapp:${message.to}` : message.to);
  const from = message.from ?? (wa ? credentials.whatsappNumber : credentials.phoneNumber);
  if (!from) {
    throw validationError('from', wa ? 'no WhatsApp sender: pass `from` or set TWILIO_WHATSAPP_NUMBER' : 'no sender: pass `from` or set TWILIO_PHONE_NUMBER (a Twilio number, an alphanumeric sender id or a Messaging Service SID)');
  }
  if (isMessagingService(from)) form.append('MessagingServiceSid', from);
  else form.append('From', wa ? `whatsapp:${from.replace(/^whatsapp:/i, '')}` : from);
  if (message.body) form.append('Body', message.body);
  for (const u of message.mediaUrls ?? []) form.append('MediaUrl', u);
  if (message.statusCallback) form.append('StatusCallback', message.statusCallback);
  if (message.contentSid) {
    form.append('ContentSid', message.contentSid);
    if (message.contentVariables) form.append('ContentVariables', JSON.stringify(message.contentVariables));
  }
  if (message.sendAt) {
    if (!isMessagingService(from)) throw validationError('sendAt', 'Twilio schedules messages only through a Messaging Service: set TWILIO_PHONE_NUMBER (or `from`) to its SID (MG…)');
    form.append('SendAt', message.sendAt);
    form.append('ScheduleType', 'fixed');
  }
  return form;
}

function verification(ctx: ProviderContext<TwilioCredentials>, serviceSid: string): SmsVerification {
  const { baseUrl } = ctx.connection;
  // Verify has its own host; an emulator serves both.
  const base = /^https:\/\/api\.twilio\.com\/?$/.test(baseUrl) ? 'https://verify.twilio.com' : baseUrl.replace(/\/+$/, '');
  return {
    async start(to, channel, options = {}) {
      const res = await ctx.http.request({ method: 'POST', path: `${base}/v2/Services/${serviceSid}/Verifications`, body: new URLSearchParams({ To: to, Channel: channel }), operation: 'sms.verify.start', signal: options.signal });
      const body = res.json<{ sid: string; status: string }>();
      return { sid: body.sid, status: body.status };
    },
    async check(to, code, options = {}) {
      try {
        const res = await ctx.http.request({ method: 'POST', path: `${base}/v2/Services/${serviceSid}/VerificationCheck`, body: new URLSearchParams({ To: to, Code: code }), operation: 'sms.verify.check', signal: options.signal });
        const body = res.json<{ status: string; valid?: boolean }>();
        return { approved: body.status === 'approved', status: body.status };
      } catch (err) {
        // Verify answers 404 (20404) when nothing is pending: expired, approved already, or never sent.
        if (err instanceof HubError && err.code === 'not_found') return { approved: false, status: 'expired' };
        throw err;
      }
    },
  };
}

/**
 * The SMS connector of one Twilio connection.
 *
 * @example
 * const sms = createTwilioSms(ctx);
 * await sms.send({ id: 'msg_1', channel: 'sms', to: '+14155552671', body: 'Hello' });
 */
export function createTwilioSms(ctx: ProviderContext<TwilioCredentials>): SmsProvider {
  const { credentials } = ctx.connection;
  const account = encodeURIComponent(credentials.accountSid);
  const provider: SmsProvider = {
    id: PROVIDER,
    capabilities: credentials.verifyServiceSid ? new Set<SmsCapability>([...CAPABILITIES, 'verify']) : CAPABILITIES,
    async send(message, options = {}): Promise<SmsSendResult> {
      const res = await ctx.http.request({ method: 'POST', path: `/2010-04-01/Accounts/${account}/Messages.json`, body: toTwilioForm(message, credentials), operation: `${message.channel}.send`, signal: options.signal });
      const body = res.json<TwilioMessageJson>();
      const segments = Number(body.num_segments);
      return { provider: PROVIDER, providerMessageId: body.sid, status: statusOf(body.status), ...(Number.isFinite(segments) && segments > 0 ? { segments } : {}), raw: body };
    },
    async fetchStatus(sid, options = {}): Promise<SmsProviderStatus> {
      const res = await ctx.http.request({ method: 'GET', path: `/2010-04-01/Accounts/${account}/Messages/${encodeURIComponent(sid)}.json`, operation: 'sms.status', signal: options.signal });
      const body = res.json<TwilioMessageJson>();
      const segments = Number(body.num_segments);
      return { providerMessageId: body.sid, status: statusOf(body.status), errorCode: body.error_code ?? null, errorMessage: body.error_message ?? null, ...(Number.isFinite(segments) && segments > 0 ? { segments } : {}), raw: body };
    },
    async findSent(message, sinceMs, options = {}) {
      const to = message.channel === 'whatsapp' ? `whatsapp:${message.to}` : message.to;
      const day = new Date(sinceMs).toISOString().slice(0, 10);
      const res = await ctx.http.request({ method: 'GET', path: `/2010-04-01/Accounts/${account}/Messages.json`, query: { To: to, 'DateSent>': day, PageSize: 50 }, operation: 'sms.reconcile', signal: options.signal });
      const list = res.json<{ messages?: (TwilioMessageJson & { body?: string; date_created?: string; direction?: string })[] }>().messages ?? [];
      const hit = list.find((m) => m.direction !== 'inbound' && (m.body ?? '') === (message.body ?? (message.contentSid ? m.body : '')) && Date.parse(m.date_created ?? '') >= Math.floor(sinceMs / 1000) * 1000);
      if (!hit) return undefined;
      const segments = Number(hit.num_segments);
      return { providerMessageId: hit.sid, status: statusOf(hit.status), ...(Number.isFinite(segments) && segments > 0 ? { segments } : {}), raw: hit };
    },
  };
  if (credentials.verifyServiceSid) provider.verification = verification(ctx, credentials.verifyServiceSid);
  return provider;
}
