/**
 * CRC-32 (IEEE 802.3, the zlib / PNG / Ethernet polynomial) for PayPal webhook verification.
 *
 * PayPal signs `transmissionId|transmissionTime|webhookId|crc32(body)` where the CRC is written as
 * an unsigned decimal (`3421780262`, never negative, never hex). `zlib.crc32` exists from Node
 * 20.15 / 22.2 only, so a table-driven implementation stands in where it is missing.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://www.rfc-editor.org/rfc/rfc1952#section-8 (the CRC-32 of gzip, same polynomial)
 */
import * as zlib from 'node:zlib';

/** Reflected polynomial 0x04C11DB7. */
const POLYNOMIAL = 0xedb88320;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * The table-driven CRC-32, always in JavaScript (the fallback, exported so tests compare it with
 * `zlib.crc32` where that exists).
 *
 * @example
 * crc32Table(Buffer.from('123456789')) // 3421780262 (0xCBF43926, the standard check value)
 */
export function crc32Table(data: Uint8Array): number {
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/**
 * CRC-32 of the raw body as an unsigned 32-bit integer: `zlib.crc32` when Node has it, otherwise
 * {@link crc32Table}.
 *
 * @example
 * crc32(Buffer.from('')) // 0
 * crc32(Buffer.from('The quick brown fox jumps over the lazy dog')) // 1095738169
 */
export function crc32(data: Uint8Array): number {
  return native ? native(data) >>> 0 : crc32Table(data);
}
