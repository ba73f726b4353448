/**
 * What the emulator understands of TwiML, enough to run click-to-call bridges and IVR menus: the
 * first verb that moves the call on — `<Dial>` (a `<Number>`, with `callerId`), `<Gather>` (its
 * `action`, waiting for digits), `<Redirect>` (fetch and run another document), `<Hangup/>`.
 * `<Say>` and `<Pause>` take no time here.
 *
 * @see https://www.twilio.com/docs/voice/twiml
 */

/** The next thing a TwiML document makes the call do. */
export type TwimlStep =
  | { verb: 'dial'; number: string; callerId?: string }
  | { verb: 'gather'; action?: string; method: string }
  | { verb: 'redirect'; url: string; method: string }
  | { verb: 'hangup' }
  | { verb: 'end' };

const E164 = /^\+[1-9]\d{6,14}$/;

const decode = (v: string): string => v.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (attrs: string, name: string): string | undefined => {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs);
  return m ? decode(m[1]!) : undefined;
};

/**
 * The first verb of `twiml` that moves the call on (`end` when none does: the call hangs up).
 *
 * @example
 * twimlStep('<Response><Dial callerId="+15005550006"><Number>+14155550111</Number></Dial></Response>')
 * // { verb: 'dial', number: '+14155550111', callerId: '+15005550006' }
 */
export function twimlStep(twiml: string | undefined): TwimlStep {
  const verbs = /<(Dial|Gather|Redirect|Hangup)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g;
  for (let m = verbs.exec(twiml ?? ''); m; m = verbs.exec(twiml ?? '')) {
    const [, verb, attrs = '', , inner = ''] = m;
    if (verb === 'Dial') {
      const number = decode((/<Number\b[^>]*>([^<]*)<\/Number>/.exec(inner)?.[1] ?? inner).trim());
      if (E164.test(number)) return { verb: 'dial', number, callerId: attr(attrs, 'callerId') };
    }
    if (verb === 'Gather') return { verb: 'gather', action: attr(attrs, 'action'), method: attr(attrs, 'method') ?? 'POST' };
    if (verb === 'Redirect') return { verb: 'redirect', url: decode(inner.trim()), method: attr(attrs, 'method') ?? 'POST' };
    if (verb === 'Hangup') return { verb: 'hangup' };
  }
  return { verb: 'end' };
}
