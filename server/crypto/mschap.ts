// MS-CHAP arithmetic: MS-CHAPv2 (RFC 2759 §8), MS-CHAPv1 (RFC 2433 Appendix A)
// and CHAP with MD5 (RFC 1994 §4.1). Names follow the RFC pseudo-code.
//
// Hashes: MD4 is pure TS (./md4.ts, legacy-only in OpenSSL 3); SHA-1 and MD5
// come from node:crypto (default provider); DES from ./des.ts.
//
// User names: a string is hashed as its UTF-8 bytes. The peer's Name field is
// raw bytes; pass them as a Buffer to hash them exactly as sent.

import { createHash } from 'node:crypto';
import { desEncrypt } from './des.js';
import { md4 } from './md4.js';
import { ErrorCode, PptpdError } from '../errors.js';

export type UserNameInput = string | Uint8Array;

/** RFC 2759 §8.7 "Magic" constants (ASCII text; 39 and 41 octets). */
const AUTH_MAGIC1 = Buffer.from('Magic server to client signing constant', 'latin1');
const AUTH_MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'latin1');
/** RFC 2433 A.3 DesHash: the known text encrypted with the password halves. */
const LM_STD_TEXT = Buffer.from('KGS!@#$%', 'latin1');

function need(buf: Uint8Array, len: number, what: string): void {
  if (buf.length !== len) {
    throw new PptpdError(ErrorCode.CRYPTO, `${what} must be ${len} bytes, got ${buf.length}`);
  }
}

function userNameBytes(name: UserNameInput): Buffer {
  return typeof name === 'string' ? Buffer.from(name, 'utf8') : Buffer.from(name.buffer, name.byteOffset, name.length);
}

/**
 * The user name as it enters ChallengeHash: RFC 2759 §8.2 hashes the name
 * "excluding any prepended domain name", so `CORP\alice` becomes `alice`
 * (everything after the last backslash, as pppd and Windows do).
 */
export function mschapUserName(name: string): string {
  const cut = name.lastIndexOf('\\');
  return cut < 0 ? name : name.slice(cut + 1);
}

function stripDomainBytes(name: Buffer): Buffer {
  const cut = name.lastIndexOf(0x5c); // '\'
  return cut < 0 ? name : name.subarray(cut + 1);
}

/** NtPasswordHash (RFC 2759 §8.3): MD4 of the password in UTF-16LE, no terminating zero. */
export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** HashNtPasswordHash (RFC 2759 §8.4): MD4 of the 16-byte NT password hash. */
export function hashNtPasswordHash(hash: Buffer): Buffer {
  need(hash, 16, 'PasswordHash');
  return md4(hash);
}

/**
 * LmPasswordHash (RFC 2433 A.2): the password uppercased, as OEM (Latin-1)
 * bytes, zero-padded or cut to 14, each 7-byte half DES-encrypting "KGS!@#$%".
 */
export function lmPasswordHash(password: string): Buffer {
  const ucase = Buffer.alloc(14);
  Buffer.from(password.toUpperCase(), 'latin1').copy(ucase, 0, 0, 14);
  return Buffer.concat([desEncrypt(LM_STD_TEXT, ucase.subarray(0, 7)), desEncrypt(LM_STD_TEXT, ucase.subarray(7, 14))]);
}

/**
 * ChallengeHash (RFC 2759 §8.2): first 8 bytes of
 * SHA-1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName). `userName` is the
 * name as the peer sent it; the domain prefix is removed here.
 */
export function challengeHash(peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: UserNameInput): Buffer {
  need(peerChallenge, 16, 'PeerChallenge');
  need(authenticatorChallenge, 16, 'AuthenticatorChallenge');
  return createHash('sha1')
    .update(peerChallenge)
    .update(authenticatorChallenge)
    .update(stripDomainBytes(userNameBytes(userName)))
    .digest()
    .subarray(0, 8);
}

/**
 * ChallengeResponse (RFC 2759 §8.5, RFC 2433 A.7): the hash zero-padded to 21
 * bytes gives three 7-byte DES keys; each encrypts the 8-byte challenge.
 */
export function challengeResponse(challenge: Buffer, passwordHash: Buffer): Buffer {
  need(challenge, 8, 'Challenge');
  need(passwordHash, 16, 'PasswordHash');
  const z = Buffer.alloc(21);
  passwordHash.copy(z);
  return Buffer.concat([
    desEncrypt(challenge, z.subarray(0, 7)),
    desEncrypt(challenge, z.subarray(7, 14)),
    desEncrypt(challenge, z.subarray(14, 21)),
  ]);
}

/**
 * GenerateNTResponse (RFC 2759 §8.1), from the NT password hash (so an NT
 * hash from LDAP works as well as a clear-text password).
 */
export function generateNtResponse(
  authenticatorChallenge: Buffer,
  peerChallenge: Buffer,
  userName: UserNameInput,
  passwordHash: Buffer,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), passwordHash);
}

/**
 * GenerateAuthenticatorResponse (RFC 2759 §8.7), from the NT password hash.
 * Returns "S=" followed by 40 uppercase hex digits.
 */
export function generateAuthenticatorResponse(
  passwordHash: Buffer,
  ntResponse: Buffer,
  peerChallenge: Buffer,
  authenticatorChallenge: Buffer,
  userName: UserNameInput,
): string {
  return authenticatorResponseFrom(hashNtPasswordHash(passwordHash), ntResponse, challengeHash(peerChallenge, authenticatorChallenge, userName));
}

/**
 * GenerateAuthenticatorResponse (RFC 2759 §8.7) from its intermediate values, for a caller
 * that already has them (the verifier computes ChallengeHash and PasswordHashHash once for
 * the NT-Response, this and the MPPE keys).
 */
export function authenticatorResponseFrom(passwordHashHash: Buffer, ntResponse: Buffer, challenge8: Buffer): string {
  need(passwordHashHash, 16, 'PasswordHashHash');
  need(ntResponse, 24, 'NT-Response');
  need(challenge8, 8, 'Challenge');
  const first = createHash('sha1').update(passwordHashHash).update(ntResponse).update(AUTH_MAGIC1).digest();
  const digest = createHash('sha1').update(first).update(challenge8).update(AUTH_MAGIC2).digest();
  return 'S=' + digest.toString('hex').toUpperCase();
}

/** NtChallengeResponse (RFC 2433 A.5), from the NT password hash. */
export function ntChallengeResponse(challenge8: Buffer, passwordHash: Buffer): Buffer {
  return challengeResponse(challenge8, passwordHash);
}

/** LmChallengeResponse (RFC 2433 A.1). */
export function lmChallengeResponse(challenge8: Buffer, password: string): Buffer {
  return challengeResponse(challenge8, lmPasswordHash(password));
}

/**
 * CHAP with MD5 (RFC 1994 §4.1): MD5(Identifier ‖ secret ‖ Challenge).
 * A string secret is taken as its UTF-8 bytes.
 */
export function chapMd5Response(identifier: number, secret: Buffer | string, challenge: Buffer): Buffer {
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 255) {
    throw new PptpdError(ErrorCode.CRYPTO, `CHAP Identifier must be 0..255, got ${identifier}`);
  }
  return createHash('md5')
    .update(Buffer.of(identifier))
    .update(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
    .update(challenge)
    .digest();
}
