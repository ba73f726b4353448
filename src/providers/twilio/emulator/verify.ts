/**
 * Twilio Verify v2 in the emulator: `POST /v2/Services/{ServiceSid}/Verifications` sends a
 * 6-digit code (kept, never sent anywhere: read it from `GET /__emulator/verifications` or
 * `emulator.verificationCode(to)`), `POST /v2/Services/{ServiceSid}/VerificationCheck` checks it.
 * Every Service SID of the right shape exists. As Twilio: a verification lasts 10 minutes, allows
 * 5 checks (60202) and 5 sends (60203); an approved or expired one is gone (20404).
 *
 * @see https://www.twilio.com/docs/verify/api/verification
 * @see https://www.twilio.com/docs/verify/api/verification-check
 */
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TwilioParams } from '../webhooks.js';
import { twilioSid, type TwilioEmulatorPart, type TwilioEmulatorState } from './state.js';

interface Verification {
  sid: string;
  serviceSid: string;
  to: string;
  channel: string;
  code: string;
  status: 'pending' | 'approved' | 'canceled';
  checks: number;
  sends: { time: string; channel: string; attempt_sid: string }[];
  createdAt: number;
  updatedAt: number;
}

export interface TwilioVerifyControls {
  /** The pending code sent to `to` (tests), if any. */
  verificationCode(to: string): string | undefined;
}

const TTL_MS = 10 * 60_000;
const MAX_CHECKS = 5;
const MAX_SENDS = 5;
const CHANNELS = new Set(['sms', 'whatsapp', 'call', 'email']);
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);

export const verifyPart: TwilioEmulatorPart = (app: FastifyInstance, state: TwilioEmulatorState): TwilioVerifyControls => {
  const pending = new Map<string, Verification>();
  const key = (service: string, to: string) => `${service}|${to}`;
  const live = (v: Verification | undefined) => (v && v.status === 'pending' && Date.now() - v.createdAt < TTL_MS ? v : undefined);
  const resource = (v: Verification, extra: Record<string, unknown> = {}) => ({
    sid: v.sid,
    service_sid: v.serviceSid,
    account_sid: state.accountSid,
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid: v.status === 'approved',
    lookup: {},
    amount: null,
    payee: null,
    send_code_attempts: v.sends,
    date_created: new Date(v.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    date_updated: new Date(v.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    sna: null,
    url: `${state.baseUrl()}/v2/Services/${v.serviceSid}/Verifications/${v.sid}`,
    ...extra,
  });
  const badService = (sid: string) => !/^VA[0-9a-f]{32}$/i.test(sid);

  app.post<{ Params: { ServiceSid: string } }>('/v2/Services/:ServiceSid/Verifications', { onRequest: state.authenticate }, async (req, reply) => {
    const { ServiceSid } = req.params;
    if (badService(ServiceSid)) return state.fail(reply, 404, 20404, `The requested resource /Services/${ServiceSid}/Verifications was not found`);
    const p = (req.body ?? {}) as TwilioParams;
    const to = one(p.To)?.trim();
    const channel = one(p.Channel)?.trim();
    if (!to) return state.fail(reply, 400, 60200, 'Invalid parameter: To');
    if (!channel || !CHANNELS.has(channel)) return state.fail(reply, 400, 60200, 'Invalid parameter: Channel');
    if (channel !== 'email' && !/^\+[1-9]\d{6,14}$/.test(to)) return state.fail(reply, 400, 60200, 'Invalid parameter `To`: ' + to);
    const now = Date.now();
    let v = live(pending.get(key(ServiceSid, to)));
    if (v && v.sends.length >= MAX_SENDS) return state.fail(reply, 429, 60203, 'Max send attempts reached');
    if (!v) {
      v = { sid: twilioSid('VE'), serviceSid: ServiceSid, to, channel, code: String(randomInt(0, 1_000_000)).padStart(6, '0'), status: 'pending', checks: 0, sends: [], createdAt: now, updatedAt: now };
      pending.set(key(ServiceSid, to), v);
    }
    v.channel = channel;
    v.updatedAt = now;
    v.sends.push({ time: new Date(now).toISOString(), channel, attempt_sid: twilioSid('VL') });
    state.accepted.push({ verification: v.sid, to, channel });
    return reply.code(201).send(resource(v));
  });

  app.post<{ Params: { ServiceSid: string } }>('/v2/Services/:ServiceSid/VerificationCheck', { onRequest: state.authenticate }, async (req, reply) => {
    const { ServiceSid } = req.params;
    if (badService(ServiceSid)) return state.fail(reply, 404, 20404, `The requested resource /Services/${ServiceSid}/VerificationCheck was not found`);
    const p = (req.body ?? {}) as TwilioParams;
    const to = one(p.To)?.trim();
    const code = one(p.Code)?.trim();
    const verificationSid = one(p.VerificationSid);
    if (!code) return state.fail(reply, 400, 60200, 'Invalid parameter: Code');
    if (!to && !verificationSid) return state.fail(reply, 400, 60200, 'Either a To or VerificationSid must be specified');
    const v = live(to ? pending.get(key(ServiceSid, to)) : [...pending.values()].find((x) => x.sid === verificationSid));
    if (!v) return state.fail(reply, 404, 20404, `The requested resource /Services/${ServiceSid}/VerificationCheck was not found`);
    if (v.checks >= MAX_CHECKS) return state.fail(reply, 429, 60202, 'Max check attempts reached');
    v.checks++;
    v.updatedAt = Date.now();
    if (code === v.code) {
      v.status = 'approved';
      pending.delete(key(ServiceSid, v.to));
    }
    const { sid, service_sid, account_sid, to: checkedTo, channel, status, valid, amount, payee, date_created, date_updated } = resource(v);
    return reply.code(201).send({ sid, service_sid, account_sid, to: checkedTo, channel, status, valid, amount, payee, date_created, date_updated, sna_attempts_error_codes: [] });
  });

  app.get('/__emulator/verifications', async () => ({ verifications: [...pending.values()].map((v) => ({ sid: v.sid, to: v.to, channel: v.channel, code: v.code, status: v.status })) }));

  return {
    verificationCode: (to) => [...pending.values()].find((v) => v.to === to && live(v))?.code,
  };
};
