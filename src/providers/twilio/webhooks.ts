/**
 * Twilio's webhooks: X-Twilio-Signature verification and the parsers that turn a verified request
 * into normalized events (messaging here; voice adds its parser in `index.ts`).
 *
 * Twilio signs with HMAC-SHA1 keyed by the account's Auth Token, base64, over the full URL it
 * posted to (scheme, host, port as configured, path and query) followed by every POST parameter
 * sorted by name, each as name + value (a repeated name: its values sorted, each as name + value).
 * A JSON body is not signed as parameters: the URL then carries `bodySHA256`, the hex SHA-256 of
 * the body, and the signature covers the URL alone. As twilio's own validators do, the URL is
 * tried as given, with and without the default port.
 *
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * @see https://www.twilio.com/docs/usage/security#validating-requests
 */
import { createHash, createHmac } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import type { HandshakeReply, InboundEvent, WebhookHandler, WebhookVerifyInput } from '../../kit/inbound.js';
import { headerOf, noSecretMatched, noSecrets, safeEqual } from '../../kit/webhook-verify.js';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
const PROVIDER = 'twilio';

/** POST parameters as Twilio sends them: a name may repeat (`MediaUrl` on some callbacks). */
export type TwilioParams = Record<string, string | string[]>;

/**
 * Parses a form-encoded body; repeated names become arrays.
 *
 * @example
 * parseTwilioForm(Buffer.from('To=%2B1415&Body=hi')) // { To: '+1415', Body: 'hi' }
 */
export function parseTwilioForm(rawBody: Buffer | string): TwilioParams {
  const out: TwilioParams = {};
  for (const [k, v] of new URLSearchParams(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'))) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/**
 * The string Twilio signs: the URL, then each parameter sorted by name as name + value.
 *
 * @example
 * twilioSignedString('https://x.io/sms', { To: '+1', Body: 'hi' }) // 'https://x.io/smsBodyhiTo+1'
 */
export function twilioSignedString(url: string, params: TwilioParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    if (Array.isArray(value)) for (const v of [...new Set(value)].sort()) data += key + v;
    else data += key + value;
  }
  return data;
}

/**
 * The X-Twilio-Signature of a request.
 *
 * @example
 * twilioSignature(authToken, 'https://hub.example.com/webhooks/twilio', { MessageSid: 'SM…', MessageStatus: 'delivered' })
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  return createHmac('sha1', authToken).update(twilioSignedString(url, params), 'utf8').digest('base64');
}

/** The URL as given, with the default port added, and with any port removed (twilio's validators try each). */
export function twilioUrlVariants(url: string): string[] {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)(:\d+)?(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, userInfo = '', host, port, rest] = m;
  const withPort = `${scheme}${userInfo}${host}${port ?? (scheme!.toLowerCase() === 'https://' ? ':443' : ':80')}${rest}`;
  const withoutPort = `${scheme}${userInfo}${host}${rest}`;
  return [...new Set([url, withoutPort, withPort])];
}

/**
 * Verifies one Twilio webhook request against every accepted Auth Token; throws HubError
 * `webhook_signature_missing` or `webhook_signature_invalid`.
 *
 * @example
 * verifyTwilioWebhook({ rawBody, headers, publicUrl: 'https://hub.example.com/webhooks/twilio', secrets: [authToken], now: Date.now(), toleranceSec: 300 });
 */
export function verifyTwilioWebhook(input: WebhookVerifyInput): void {
  const signature = headerOf(input.headers, TWILIO_SIGNATURE_HEADER);
  if (!signature) {
    throw new HubError('webhook_signature_missing', 'Twilio webhook without the X-Twilio-Signature header: only Twilio (or the emulator) may post here.', { provider: PROVIDER });
  }
  if (!input.publicUrl) {
    throw new HubError('webhook_signature_invalid', 'Twilio signs the URL it posted to, and it is unknown here: pass publicUrl (set SWITCHBOARD_PUBLIC_URL behind a proxy).', { provider: PROVIDER });
  }
  const secrets = input.secrets.filter((s) => s !== '');
  if (secrets.length === 0) throw noSecrets('Twilio', { provider: PROVIDER, check: 'set TWILIO_AUTH_TOKEN (it signs Twilio\'s webhooks)' });

  let bodyHash: string | null = null;
  try {
    bodyHash = new URL(input.publicUrl).searchParams.get('bodySHA256');
  } catch {
    bodyHash = null;
  }
  const params: TwilioParams = bodyHash !== null ? {} : parseTwilioForm(input.rawBody);
  const given = Buffer.from(signature, 'utf8');
  let ok = false;
  for (const url of twilioUrlVariants(input.publicUrl)) {
    for (const secret of secrets) ok = safeEqual(twilioSignature(secret, url, params), given) || ok;
  }
  if (ok && bodyHash !== null) {
    const actual = createHash('sha256').update(input.rawBody).digest('hex');
    if (!safeEqual(actual, bodyHash.toLowerCase())) {
      throw new HubError('webhook_signature_invalid', 'Twilio webhook body does not match its signed bodySHA256: the body was changed, or re-encoded before verification.', { provider: PROVIDER });
    }
  }
  if (!ok) {
    throw noSecretMatched('Twilio', { rawBody: input.rawBody, secrets }, {
      provider: PROVIDER,
      check: `check TWILIO_AUTH_TOKEN is this account's current Auth Token and that the URL Twilio posts to is exactly ${input.publicUrl.split('?')[0]} (set SWITCHBOARD_PUBLIC_URL behind a proxy)`,
    });
  }
}

/**
 * One kind of Twilio webhook (messaging, voice): the events of a verified request, or undefined
 * when the request is not of this kind.
 */
export type TwilioWebhookParser = (params: TwilioParams, rawBody: Buffer, headers: Record<string, string | undefined>) => InboundEvent[] | undefined;

/**
 * The answer Twilio expects to a stored request of one kind (TwiML to an incoming message), or
 * undefined when the request is not of this kind.
 */
export type TwilioWebhookAck = (params: TwilioParams) => HandshakeReply | undefined;

/** An empty TwiML document: "nothing to do", the answer to a webhook that expects TwiML. */
export const EMPTY_TWIML: HandshakeReply = { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };

/**
 * The webhook handler of the Twilio provider: one verification, then the first parser that
 * recognizes the request; the first ack that recognizes it answers (TwiML), else the hub's JSON
 * acknowledgement (status callbacks: Twilio reads no answer).
 *
 * @example
 * const webhooks = createTwilioWebhooks([parseTwilioMessagingWebhook], [twilioMessagingAck]);
 */
export function createTwilioWebhooks(parsers: TwilioWebhookParser[], acks: TwilioWebhookAck[] = []): WebhookHandler {
  return {
    secretFields: ['authToken'],
    signatureHeaders: [TWILIO_SIGNATURE_HEADER],
    verify: verifyTwilioWebhook,
    ack(rawBody, headers) {
      if (acks.length === 0 || /json/i.test(headers['content-type'] ?? '')) return undefined;
      const params = parseTwilioForm(rawBody);
      for (const ack of acks) {
        const reply = ack(params);
        if (reply) return reply;
      }
      return undefined;
    },
    parse(rawBody, headers) {
      const json = /json/i.test(headers['content-type'] ?? '');
      let params: TwilioParams = {};
      if (json) {
        try {
          const body = JSON.parse(rawBody.toString('utf8')) as unknown;
          if (body && typeof body === 'object' && !Array.isArray(body)) {
            for (const [k, v] of Object.entries(body)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = String(v);
          }
        } catch (err) {
          throw new HubError('validation_failed', 'Twilio webhook body is not JSON although its Content-Type says so.', { provider: PROVIDER, cause: err });
        }
      } else {
        params = parseTwilioForm(rawBody);
      }
      for (const parse of parsers) {
        const events = parse(params, rawBody, headers);
        if (events) return events;
      }
      return [];
    },
  };
}
