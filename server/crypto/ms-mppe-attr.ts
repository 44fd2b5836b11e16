// MS-MPPE-Send-Key / MS-MPPE-Recv-Key value encryption (RFC 2548 §2.4.2-2.4.3).
//
// The attribute value (after Vendor-Type and Vendor-Length) is Salt (2 octets,
// high bit set) followed by the encrypted String. The plaintext String is
// Key-Length (1 octet) ‖ Key ‖ zero padding to a multiple of 16, encrypted as
//   b(1) = MD5(S ‖ R ‖ A), c(1) = p(1) xor b(1); b(i) = MD5(S ‖ c(i-1)), c(i) = p(i) xor b(i)
// with S the RADIUS shared secret, R the Access-Request's Request Authenticator
// and A the Salt. MD5 comes from node:crypto (default provider).

import { createHash, randomBytes } from 'node:crypto';
import { decodeError, ErrorCode, PptpdError, type DecodeError } from '../errors.js';

const BLOCK = 16;
const SALT_LENGTH = 2;

function secretBytes(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

/** Runs the RFC 2548 MD5 chain over `data` in place; the chain input is the ciphertext. */
function md5Chain(data: Buffer, secret: Buffer, requestAuthenticator: Buffer, salt: Buffer, decrypt: boolean): void {
  let prev: Buffer = Buffer.concat([requestAuthenticator, salt]);
  for (let off = 0; off < data.length; off += BLOCK) {
    const b = createHash('md5').update(secret).update(prev).digest();
    const cipherBlock = decrypt ? Buffer.from(data.subarray(off, off + BLOCK)) : null;
    for (let i = 0; i < BLOCK; i++) data[off + i] = data[off + i]! ^ b[i]!;
    prev = cipherBlock ?? data.subarray(off, off + BLOCK);
  }
}

/**
 * Encrypts an MPPE key into an MS-MPPE-Send-Key/Recv-Key value (Salt ‖ String).
 * `salt` defaults to 2 random octets with the high bit set; a given salt must
 * have the high bit set (RFC 2548: MUST) and be unique within the packet.
 */
export function encryptMsMppeKey(key: Buffer, secret: string | Buffer, requestAuthenticator: Buffer, salt?: Buffer): Buffer {
  if (requestAuthenticator.length !== 16) {
    throw new PptpdError(ErrorCode.CRYPTO, 'Request Authenticator must be 16 bytes');
  }
  if (key.length > 255) throw new PptpdError(ErrorCode.CRYPTO, 'MPPE key longer than 255 bytes');
  const a = salt ?? randomBytes(SALT_LENGTH);
  if (a.length !== SALT_LENGTH) throw new PptpdError(ErrorCode.CRYPTO, 'Salt must be 2 bytes');
  if (salt === undefined) a[0] = a[0]! | 0x80;
  else if ((a[0]! & 0x80) === 0) throw new PptpdError(ErrorCode.CRYPTO, 'Salt must have its high bit set (RFC 2548)');

  const plainLen = Math.ceil((1 + key.length) / BLOCK) * BLOCK;
  const out = Buffer.alloc(SALT_LENGTH + plainLen); // zero padding (RFC 2548 recommends 0x00)
  a.copy(out, 0);
  out[SALT_LENGTH] = key.length;
  key.copy(out, SALT_LENGTH + 1);
  md5Chain(out.subarray(SALT_LENGTH), secretBytes(secret), requestAuthenticator, a, false);
  return out;
}

/**
 * Decrypts an MS-MPPE-Send-Key/Recv-Key value (Salt ‖ String) from a RADIUS
 * reply. Returns the key, or a DecodeError when the value is malformed (wrong
 * length, salt without its high bit, Key-Length beyond the data). A wrong
 * secret cannot be detected here: it yields a wrong key or a length error.
 */
export function decryptMsMppeKey(value: Buffer, secret: string | Buffer, requestAuthenticator: Buffer): Buffer | DecodeError {
  if (requestAuthenticator.length !== 16) {
    throw new PptpdError(ErrorCode.CRYPTO, 'Request Authenticator must be 16 bytes');
  }
  const strLen = value.length - SALT_LENGTH;
  if (strLen < BLOCK || strLen % BLOCK !== 0) {
    return decodeError('ms-mppe-key', `value of ${value.length} octets: String must be a non-empty multiple of 16`);
  }
  const salt = value.subarray(0, SALT_LENGTH);
  if ((salt[0]! & 0x80) === 0) return decodeError('ms-mppe-key', 'Salt without its high bit set');
  const plain = Buffer.from(value.subarray(SALT_LENGTH));
  md5Chain(plain, secretBytes(secret), requestAuthenticator, salt, true);
  const keyLen = plain[0]!;
  if (keyLen === 0 || 1 + keyLen > plain.length) {
    return decodeError('ms-mppe-key', `Key-Length ${keyLen} does not fit ${plain.length - 1} octets of key and padding`);
  }
  return plain.subarray(1, 1 + keyLen);
}
