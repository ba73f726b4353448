/**
 * Input schemas of the voice API (REST and library share them). Phone numbers are E.164; a number
 * written another way is refused with its E.164 form suggested when `libphonenumber-js` can tell.
 */
import { z } from 'zod';
import { checkE164 } from '../../kit/phone.js';

/**
 * An E.164 phone number (`+14155550100`): a `+`, the country code and the number, no spaces; the
 * message of a number written another way says the E.164 form to send (`kit/phone.ts`).
 *
 * @example
 * e164.parse('+14155550100') // '+14155550100'
 * e164.safeParse('(415) 555-0100').error?.issues[0]?.message // 'use E.164, e.g. +14155550100'
 */
export const e164 = z.string({ error: 'must be an E.164 phone number such as +14155550100' }).transform((v, ctx) => {
  const checked = checkE164(v);
  if (checked.ok) return checked.e164;
  ctx.addIssue({ code: 'custom', message: checked.message });
  return z.NEVER;
});

/** `POST /api/v1/voice/calls`: call the agent, then bridge to the customer. */
export const clickToCallInput = z.object({
  agent: e164,
  customer: e164,
  /** Default: `VOICE_CALLER_ID`, else the connection's own number (`TWILIO_PHONE_NUMBER`). */
  callerId: e164.optional(),
  record: z.boolean().default(false),
  timeoutSec: z.number().int().min(5, 'at least 5 seconds').max(600, 'at most 600 seconds').optional(),
});
export type ClickToCallInput = z.input<typeof clickToCallInput>;

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or date-time such as 2026-12-01 or 2026-12-01T10:00:00Z');

/** `GET /api/v1/voice/calls` query. */
export const callListQuery = z.object({
  to: e164.optional(),
  from: e164.optional(),
  status: z.enum(['queued', 'ringing', 'in-progress', 'canceled', 'completed', 'failed', 'busy', 'no-answer'], { error: 'must be one of queued, ringing, in-progress, canceled, completed, failed, busy, no-answer' }).optional(),
  startedAfter: isoDate.optional(),
  startedBefore: isoDate.optional(),
  limit: z.coerce.number().int().min(1, 'at least 1').max(1000, 'at most 1000').default(50),
  cursor: z.string().optional(),
});

/** Twilio call sids (`CA` + 32 hex), recording sids (`RE` + 32 hex). */
export const callSid = z.string().regex(/^CA[0-9a-f]{32}$/, 'must be a call sid: CA followed by 32 hex digits');
export const recordingSid = z.string().regex(/^RE[0-9a-f]{32}$/, 'must be a recording sid: RE followed by 32 hex digits');

const menuId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, - or _');

const ivrOption = z
  .object({
    say: z.string().trim().min(1).max(1000).optional(),
    dial: e164.optional(),
    menu: menuId.optional(),
    hangup: z.boolean().optional(),
  })
  .strict()
  .refine((o) => o.say !== undefined || o.dial !== undefined || o.menu !== undefined || o.hangup === true, 'must say, dial, go to a menu or hang up');

/**
 * An IVR menu definition.
 *
 * @example
 * ivrMenuInput.parse({ prompt: 'Press 1 for sales', options: { '1': { dial: '+14155550100' } } })
 */
export const ivrMenuInput = z
  .object({
    prompt: z.string().trim().min(1, 'must say something').max(2000),
    options: z.record(z.string().regex(/^[0-9*#]$/, 'each key must be one key of the keypad: 0-9, * or #'), ivrOption).refine((o) => Object.keys(o).length > 0, 'must have at least one option'),
    invalid: z.string().trim().min(1).max(1000).optional(),
    timeout: z.number().int().min(1, 'at least 1 second').max(60, 'at most 60 seconds').optional(),
  })
  .strict();

export const ivrMenuIdParam = menuId;
export const recordingFormat = z.enum(['wav', 'mp3'], { error: 'must be wav or mp3' }).default('wav');

/**
 * `VOICE_IVR_MENUS`: menus for every tenant, as JSON `{ "<menuId>": <menu>, … }`.
 *
 * @example
 * configuredMenus.parse('{"main":{"prompt":"Press 1 for sales","options":{"1":{"dial":"+14155550100"}}}}').main.prompt // 'Press 1 for sales'
 */
export const configuredMenus = z
  .string()
  .transform((v, ctx): unknown => {
    try {
      return JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: {"main": {"prompt": "Press 1 for sales", "options": {"1": {"dial": "+14155550100"}}}}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(menuId, ivrMenuInput))
  .transform((menus) => Object.fromEntries(Object.entries(menus).map(([id, m]) => [id, { id, ...m }])));
