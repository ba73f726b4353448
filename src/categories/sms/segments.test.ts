import { describe, expect, it } from 'vitest';
import { countSegments, segmentsOf } from './segments.js';
import { checkE164 } from '../../kit/phone.js';

describe('countSegments', () => {
  it('GSM-7: 160 in one segment, 153 per segment when split', () => {
    expect(countSegments('')).toMatchObject({ segments: 0, encoding: 'GSM-7' });
    expect(countSegments('a'.repeat(160))).toMatchObject({ segments: 1, units: 160, perSegment: 160 });
    expect(countSegments('a'.repeat(306))).toMatchObject({ segments: 2, perSegment: 153 });
    expect(countSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('extension characters take two septets and are never split across segments', () => {
    expect(countSegments('{}'.repeat(40))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    // 152 septets then a two-septet € : it cannot share the first segment's last septet.
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
    expect(countSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it('UCS-2: 70 / 67, surrogate pairs kept whole', () => {
    expect(countSegments('Привет')).toMatchObject({ encoding: 'UCS-2', segments: 1, perSegment: 70 });
    expect(countSegments('ж'.repeat(134))).toMatchObject({ segments: 2, perSegment: 67 });
    expect(countSegments('ж'.repeat(135))).toMatchObject({ segments: 3 });
    // 66 units then an emoji (2 units): it goes whole into the second segment.
    expect(countSegments(`${'ж'.repeat(66)}😀${'ж'.repeat(60)}`)).toMatchObject({ units: 128, segments: 2 });
    expect(countSegments(`${'ж'.repeat(66)}😀${'ж'.repeat(66)}`)).toMatchObject({ units: 134, segments: 3 });
  });

  it('WhatsApp is one message, an MMS without text one segment', () => {
    expect(segmentsOf({ channel: 'whatsapp', body: 'x'.repeat(1000) })).toBe(1);
    expect(segmentsOf({ channel: 'sms' })).toBe(1);
  });
});

describe('checkE164', () => {
  it('accepts E.164 and suggests it for other forms', () => {
    expect(checkE164('+447911123456')).toEqual({ ok: true, e164: '+447911123456' });
    expect(checkE164('whatsapp:+14155552671')).toEqual({ ok: true, e164: '+14155552671' });
    expect(checkE164('(415) 555-2671')).toEqual({ ok: false, message: 'use E.164, e.g. +14155552671' });
    expect(checkE164('+1 415 555 2671')).toEqual({ ok: false, message: 'use E.164 without spaces or punctuation, e.g. +14155552671' });
    expect(checkE164('+1415')).toMatchObject({ ok: false, message: expect.stringContaining('too short') });
    expect(checkE164('hello')).toMatchObject({ ok: false, message: expect.stringContaining('is not a phone number') });
  });

  it('with a default country, national numbers of it are accepted', () => {
    expect(checkE164('07911 123456', 'GB')).toEqual({ ok: true, e164: '+447911123456' });
    expect(checkE164('07911 123456')).toMatchObject({ ok: false });
  });
});
