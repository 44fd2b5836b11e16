// RFC 2865 §5.2 hiding: the MD5 stream used for User-Password, and (RFC 2548
// §2.4.1) for MS-CHAP-MPPE-Keys in an Access-Accept.
//
//   b1 = MD5(S ‖ RA)        c(1) = p1 xor b1
//   bi = MD5(S ‖ c(i-1))    c(i) = pi xor bi
//
// S is the shared secret, RA the Request Authenticator of the Access-Request.
// The codec has this for User-Password, but its decryptor stops at the first
// zero octet, which breaks binary values, and its encryptor sends an empty
// password as an empty attribute: these two functions are exact.

import { createHash } from 'node:crypto';
import { decodeError, ErrorCode, PptpdError, type DecodeError } from '../errors.js';
import { AUTHENTICATOR_LENGTH, MAX_USER_PASSWORD_LENGTH } from './constants.js';

const BLOCK = 16;

/** Hides `plain`, zero-padded to a multiple of 16 octets (at least 16). Throws when longer than 128 octets. */
export function hide(plain: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) throw new PptpdError(ErrorCode.CRYPTO, 'Request Authenticator must be 16 bytes');
  const padded = Math.max(BLOCK, Math.ceil(plain.length / BLOCK) * BLOCK);
  if (padded > MAX_USER_PASSWORD_LENGTH) {
    throw new PptpdError(ErrorCode.AUTH, `value of ${plain.length} octets is longer than RADIUS allows (128, RFC 2865 §5.2)`);
  }
  const out = Buffer.alloc(padded);
  plain.copy(out);
  let prev: Buffer = requestAuthenticator;
  for (let off = 0; off < padded; off += BLOCK) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let i = 0; i < BLOCK; i++) out[off + i] = out[off + i]! ^ b[i]!;
    prev = out.subarray(off, off + BLOCK);
  }
  return out;
}

/** Reveals a hidden value, padding included (the caller knows the plaintext's layout). */
export function reveal(hidden: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer | DecodeError {
  if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) throw new PptpdError(ErrorCode.CRYPTO, 'Request Authenticator must be 16 bytes');
  if (hidden.length < BLOCK || hidden.length % BLOCK !== 0) {
    return decodeError('radius', `hidden value of ${hidden.length} octets is not a non-empty multiple of 16`);
  }
  const out = Buffer.alloc(hidden.length);
  let prev: Buffer = requestAuthenticator;
  for (let off = 0; off < hidden.length; off += BLOCK) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let i = 0; i < BLOCK; i++) out[off + i] = hidden[off + i]! ^ b[i]!;
    prev = hidden.subarray(off, off + BLOCK);
  }
  return out;
}
