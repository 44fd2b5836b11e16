// Single-block DES for MS-CHAP (RFC 2759 §8.6 DesEncrypt, RFC 2433 A.4).
//
// Why node:crypto and not pure TS: OpenSSL 3 keeps 'des-ecb' in the legacy
// provider, but 'des-ede3-ecb' (Triple DES) is in the default provider, and
// EDE3 with K1 = K2 = K3 = K is exactly single DES with K (E_K(D_K(E_K(x))) =
// E_K(x)). So DES runs in OpenSSL on a stock `node`, with no flags.

import { createCipheriv } from 'node:crypto';
import { ErrorCode, PptpdError } from '../errors.js';

/**
 * Spreads a 56-bit key (7 bytes) over 8 bytes, 7 key bits per byte, and sets
 * each byte's low bit to odd parity (RFC 2759 §9.3, RFC 2433 B.3). DES ignores
 * the parity bits, but setting them gives the keys the RFC examples print.
 */
export function expandDesKey(key7: Uint8Array): Buffer {
  if (key7.length !== 7) {
    throw new PptpdError(ErrorCode.CRYPTO, `DES key must be 7 bytes, got ${key7.length}`);
  }
  const out = Buffer.allocUnsafe(8);
  // Bit stream of the 7 bytes, big-endian; output byte i takes bits 7i..7i+6.
  let acc = 0;
  let accBits = 0;
  let inPos = 0;
  for (let i = 0; i < 8; i++) {
    while (accBits < 7) {
      acc = ((acc << 8) | key7[inPos++]!) & 0xffff;
      accBits += 8;
    }
    const seven = (acc >>> (accBits - 7)) & 0x7f;
    accBits -= 7;
    out[i] = withOddParity(seven << 1);
  }
  return out;
}

/** Sets bit 0 so that the byte has an odd number of 1 bits. */
function withOddParity(b: number): number {
  let ones = 0;
  for (let v = b >>> 1; v !== 0; v >>>= 1) ones += v & 1;
  return (b & 0xfe) | ((ones & 1) === 0 ? 1 : 0);
}

/**
 * DesEncrypt (RFC 2759 §8.6): encrypts the 8-byte `clear` block with the
 * 7-byte `key7` in ECB mode. Returns 8 bytes.
 */
export function desEncrypt(clear: Uint8Array, key7: Uint8Array): Buffer {
  if (clear.length !== 8) {
    throw new PptpdError(ErrorCode.CRYPTO, `DES block must be 8 bytes, got ${clear.length}`);
  }
  const k = expandDesKey(key7);
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
  cipher.setAutoPadding(false);
  const out = cipher.update(clear);
  cipher.final(); // nothing buffered: the input is exactly one block
  return out;
}
