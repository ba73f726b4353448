/**
 * CRC-32 as PayPal's signed string needs it: the IEEE polynomial, over raw bytes, unsigned.
 * Expected values are the published check values of CRC-32/ISO-HDLC (Greg Cook's CRC catalogue,
 * also RFC 1952's CRC) and, where Node has it, zlib's own `crc32`.
 */
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './paypal-webhook-crc32.js';

/** Published CRC-32/ISO-HDLC check values (the "123456789" one is the catalogue's `check`). */
const KNOWN: [string, number][] = [
  ['', 0],
  ['a', 0xe8b7be43],
  ['123456789', 3421780262],
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
];

describe('CRC-32 (IEEE)', () => {
  it.each(KNOWN)('crc32Table(%j) is %i', (text, expected) => {
    expect(crc32Table(Buffer.from(text))).toBe(expected);
    expect(crc32(Buffer.from(text))).toBe(expected);
  });

  it('is unsigned, where a naive signed implementation would go negative', () => {
    expect(crc32Table(Buffer.from('123456789'))).toBeGreaterThan(2 ** 31);
    expect(String(crc32(Buffer.from('123456789')))).toBe('3421780262');
  });

  it('agrees with zlib.crc32 on random buffers when Node has it', () => {
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    for (let i = 0; i < 50; i++) {
      const buf = randomBytes(i * 37);
      expect(crc32Table(buf)).toBe(crc32(buf));
      if (native) expect(crc32Table(buf)).toBe(native(buf) >>> 0);
    }
  });

  it('reads only the bytes of a view, not its whole backing buffer', () => {
    const backing = Buffer.from('xx123456789yy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 9);
    expect(crc32Table(view)).toBe(3421780262);
    expect(crc32(backing.subarray(2, 11))).toBe(3421780262);
  });

  it('covers bytes, not characters', () => {
    expect(crc32Table(Buffer.from('é', 'utf8'))).not.toBe(crc32Table(Buffer.from('é', 'latin1')));
  });
});
