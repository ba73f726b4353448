/**
 * How many SMS segments a text takes, as carriers count them: GSM-7 (the GSM 03.38 default
 * alphabet) fits 160 characters in one segment and 153 per segment when split (the rest is the
 * concatenation header); characters of the GSM-7 extension table (`^{}\[~]|€` and form feed)
 * take two; any other character makes the whole message UCS-2: 70 in one segment, 67 per
 * segment when split (a character outside the BMP, such as most emoji, takes two UTF-16 units).
 * A split never cuts an extension escape or a surrogate pair in two.
 *
 * @see https://www.twilio.com/docs/glossary/what-sms-character-limit
 * @see https://en.wikipedia.org/wiki/GSM_03.38
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export interface SegmentCount {
  encoding: 'GSM-7' | 'UCS-2';
  /** Segments the message is sent as (0 for an empty text). */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) used. */
  units: number;
  /** Units per segment for this message: 160/153 or 70/67. */
  perSegment: number;
}

/**
 * Counts the segments of `text`.
 *
 * @example
 * countSegments('a'.repeat(160)) // { encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160 }
 * countSegments('a'.repeat(161)) // { encoding: 'GSM-7', segments: 2, units: 161, perSegment: 153 }
 * countSegments('€'.repeat(80)) // GSM-7, 160 units (2 each): 1 segment
 * countSegments('héllo ✓') // { encoding: 'UCS-2', segments: 1, units: 7, perSegment: 70 }
 */
export function countSegments(text: string): SegmentCount {
  const chars = [...text];
  if (chars.every((c) => BASIC.has(c) || EXTENSION.has(c))) {
    const sizes = chars.map((c) => (EXTENSION.has(c) ? 2 : 1));
    return split(sizes, 160, 153, 'GSM-7');
  }
  return split(
    chars.map((c) => c.length),
    70,
    67,
    'UCS-2',
  );
}

function split(sizes: number[], single: number, multi: number, encoding: SegmentCount['encoding']): SegmentCount {
  const units = sizes.reduce((a, b) => a + b, 0);
  if (units === 0) return { encoding, segments: 0, units, perSegment: single };
  if (units <= single) return { encoding, segments: 1, units, perSegment: single };
  // Fill segments greedily without splitting a character's units across two.
  let segments = 1;
  let used = 0;
  for (const s of sizes) {
    if (used + s > multi) {
      segments++;
      used = 0;
    }
    used += s;
  }
  return { encoding, segments, units, perSegment: multi };
}

/**
 * Segments of a message as the hub counts them: a WhatsApp message is one, an SMS at least one
 * (a media-only MMS too).
 *
 * @example
 * segmentsOf({ channel: 'sms', body: 'a'.repeat(161) }) // 2
 */
export function segmentsOf(m: { channel: 'sms' | 'whatsapp'; body?: string }): number {
  if (m.channel === 'whatsapp') return 1;
  return Math.max(1, countSegments(m.body ?? '').segments);
}
