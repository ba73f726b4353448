/**
 * IVR menus and click-to-call bridges as TwiML, built with the `twilio` library's VoiceResponse
 * (loaded with the first call, so the hub's start-up does not pay for it).
 *
 * A menu is a `<Gather numDigits="1">` around its prompt, posting the digit back to the menu's
 * URL, then a `<Redirect>` to the menu (no digit: the menu repeats). The digit's option says,
 * dials, redirects to another menu or hangs up; a digit without an option says `invalid` and
 * repeats the menu.
 *
 * @see https://www.twilio.com/docs/voice/twiml/gather
 * @see https://www.twilio.com/docs/voice/twiml/dial
 */
import type { twiml } from 'twilio';
import type { IvrMenu, IvrUrls } from '../../categories/voice/contract.js';

type VoiceResponseClass = typeof twiml.VoiceResponse;
let VoiceResponse: VoiceResponseClass | undefined;

async function voiceResponse(): Promise<InstanceType<VoiceResponseClass>> {
  VoiceResponse ??= (await import('twilio')).default.twiml.VoiceResponse;
  return new VoiceResponse();
}

const TWIML = 'text/xml; charset=utf-8';

/**
 * The TwiML of a click-to-call's first leg: once the agent answers, dial the customer showing `callerId`.
 *
 * @example
 * await twilioBridgeTwiml('+14155550111', '+15005550006')
 * // '<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="+15005550006"><Number>+14155550111</Number></Dial></Response>'
 */
export async function twilioBridgeTwiml(customer: string, callerId: string, timeoutSec?: number): Promise<string> {
  const r = await voiceResponse();
  r.dial({ callerId, ...(timeoutSec ? { timeout: timeoutSec } : {}) }).number(customer);
  return r.toString();
}

/**
 * A menu's TwiML, or, with `digits`, what its option does.
 *
 * @example
 * await renderTwilioIvr({ id: 'main', prompt: 'Press 1 for sales', options: { '1': { dial: '+14155550100' } } }, urls)
 * // <Response><Gather numDigits="1" action="https://hub/voice/ivr/main" method="POST" timeout="5"><Say>Press 1 for sales</Say></Gather><Redirect method="POST">https://hub/voice/ivr/main</Redirect></Response>
 */
export async function renderTwilioIvr(menu: IvrMenu, urls: IvrUrls, digits?: string): Promise<{ contentType: string; body: string }> {
  const r = await voiceResponse();
  const option = digits === undefined || digits === '' ? undefined : menu.options[digits];
  if (digits !== undefined && digits !== '' && !option) {
    r.say(menu.invalid ?? 'Sorry, that is not an option.');
    r.redirect({ method: 'POST' }, urls.self);
  } else if (option) {
    if (option.say) r.say(option.say);
    if (option.dial) r.dial().number(option.dial);
    else if (option.menu) r.redirect({ method: 'POST' }, urls.menu(option.menu));
    else if (option.hangup) r.hangup();
  } else {
    r.gather({ numDigits: 1, action: urls.self, method: 'POST', timeout: menu.timeout ?? 5 }).say(menu.prompt);
    r.redirect({ method: 'POST' }, urls.self);
  }
  return { contentType: TWIML, body: r.toString() };
}
