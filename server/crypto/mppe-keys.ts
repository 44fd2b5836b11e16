// MPPE key derivation (RFC 3079, key change RFC 3078 §7.3). SHA-1 comes from
// node:crypto (default provider). The per-packet key change lives in
// ./mppe-session.ts, which reuses buffers; these functions allocate and are
// meant for session set-up and tests.

import { createHash } from 'node:crypto';
import type { MppeKeys } from '../../auth-plugins/types.js';
import { hashNtPasswordHash, lmPasswordHash } from './mschap.js';
import { ErrorCode, PptpdError } from '../errors.js';

export type MppeKeyBits = 40 | 56 | 128;

/** SHApad1 / SHApad2 (RFC 3078 §7.3, RFC 3079 §3.4): 40 octets of 0x00 and of 0xF2. */
export const SHA_PAD1: Buffer = Buffer.alloc(40, 0x00);
export const SHA_PAD2: Buffer = Buffer.alloc(40, 0xf2);

/** RFC 3079 §3.4 "Magic" constants (ASCII, 27, 84 and 84 octets). */
const MASTER_MAGIC = Buffer.from('This is the MPPE Master Key', 'latin1');
/** Client send key = server receive key. */
const MAGIC2 = Buffer.from('On the client side, this is the send key; on the server side, it is the receive key.', 'latin1');
/** Client receive key = server send key. */
const MAGIC3 = Buffer.from('On the client side, this is the receive key; on the server side, it is the send key.', 'latin1');

/** Session key length in octets for a strength: 40- and 56-bit keys are 8 octets (RFC 3079 §3). */
export function keyLengthFor(bits: MppeKeyBits): 8 | 16 {
  return bits === 128 ? 16 : 8;
}

/** GetMasterKey (RFC 3079 §3.4): SHA-1(PasswordHashHash ‖ NTResponse ‖ Magic1), first 16 octets. */
export function getMasterKey(passwordHashHash: Buffer, ntResponse: Buffer): Buffer {
  if (passwordHashHash.length !== 16 || ntResponse.length !== 24) {
    throw new PptpdError(ErrorCode.CRYPTO, 'GetMasterKey needs a 16-byte PasswordHashHash and a 24-byte NT-Response');
  }
  return createHash('sha1').update(passwordHashHash).update(ntResponse).update(MASTER_MAGIC).digest().subarray(0, 16);
}

/**
 * GetAsymmetricStartKey (RFC 3079 §3.4): the master send or receive key, for
 * the server or the client side. The server's send key is the client's receive key.
 */
export function getAsymmetricStartKey(masterKey: Buffer, sessionKeyLength: 8 | 16, isSend: boolean, isServer: boolean): Buffer {
  if (masterKey.length !== 16) throw new PptpdError(ErrorCode.CRYPTO, 'MasterKey must be 16 bytes');
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return createHash('sha1')
    .update(masterKey)
    .update(SHA_PAD1)
    .update(magic)
    .update(SHA_PAD2)
    .digest()
    .subarray(0, sessionKeyLength);
}

/**
 * GetNewKeyFromSHA (RFC 3078 §7.3; "GetKey" in RFC 3079 §2.4): first `length`
 * octets of SHA-1(StartKey ‖ SHApad1 ‖ SessionKey ‖ SHApad2), the interim key.
 */
export function getNewKeyFromSha(startKey: Buffer, sessionKey: Buffer, length: 8 | 16): Buffer {
  if (startKey.length < length || sessionKey.length < length) {
    throw new PptpdError(ErrorCode.CRYPTO, `GetNewKeyFromSHA needs keys of at least ${length} bytes`);
  }
  return createHash('sha1')
    .update(startKey.subarray(0, length))
    .update(SHA_PAD1)
    .update(sessionKey.subarray(0, length))
    .update(SHA_PAD2)
    .digest()
    .subarray(0, length);
}

/**
 * Reduces a key's effective strength (RFC 3078 §7.3, RFC 3079 §3.1-3.2): the
 * first three octets become D1 26 9E for 40 bits, the first octet D1 for 56
 * bits; 128-bit keys are unchanged. Returns a new buffer of the key's length
 * for the strength (8 or 16 octets).
 */
export function reduceKey(key: Buffer, bits: MppeKeyBits): Buffer {
  const len = keyLengthFor(bits);
  if (key.length < len) throw new PptpdError(ErrorCode.CRYPTO, `a ${bits}-bit key needs ${len} bytes`);
  const out = Buffer.from(key.subarray(0, len));
  reduceKeyInPlace(out, bits);
  return out;
}

/** The in-place form of reduceKey, for the per-packet key change. */
export function reduceKeyInPlace(key: Uint8Array, bits: MppeKeyBits): void {
  if (bits === 40) {
    key[0] = 0xd1;
    key[1] = 0x26;
    key[2] = 0x9e;
  } else if (bits === 56) {
    key[0] = 0xd1;
  }
}

/**
 * The initial session key for a master (start) key (RFC 3079 §3.1-3.3):
 * GetNewKeyFromSHA(start, start), then the strength reduction. There is no
 * RC4 step for the first key (that only comes with later key changes).
 */
export function initialSessionKey(startKey: Buffer, bits: MppeKeyBits): Buffer {
  const len = keyLengthFor(bits);
  return reduceKey(getNewKeyFromSha(startKey, startKey, len), bits);
}

/**
 * MS-CHAPv2 master session keys (RFC 3079 §3.3), 16 octets each, from the
 * SERVER's point of view: sendKey encrypts what we send (MS-MPPE-Send-Key).
 * 40- and 56-bit MPPE use the first 8 octets (GetAsymmetricStartKey with a
 * length of 8 yields the same first 8 octets).
 */
export function mppeKeysV2(passwordHash: Buffer, ntResponse: Buffer): MppeKeys {
  return mppeKeysV2FromHashHash(hashNtPasswordHash(passwordHash), ntResponse);
}

/** mppeKeysV2 from PasswordHashHash (RFC 2759 §8.4), for a caller that already has it. */
export function mppeKeysV2FromHashHash(passwordHashHash: Buffer, ntResponse: Buffer): MppeKeys {
  const master = getMasterKey(passwordHashHash, ntResponse);
  return {
    sendKey: getAsymmetricStartKey(master, 16, true, true),
    recvKey: getAsymmetricStartKey(master, 16, false, true),
  };
}

/**
 * MS-CHAPv1 start key (RFC 3079 §2.3 Get_Start_Key): first 16 octets of
 * SHA-1(PasswordHashHash ‖ PasswordHashHash ‖ Challenge), the same in both
 * directions. Like pppd (chap_ms.c mppe_set_keys), we use this NT-hash key for
 * every strength: 40- and 56-bit MPPE take its first 8 octets. RFC 3079 §2.1-2.2
 * instead derive 40/56-bit v1 keys from the LAN Manager hash; that variant is
 * mppeStartKeyV1Lm below, not the default (see docs/crypto.md).
 */
export function mppeKeysV1(passwordHash: Buffer, challenge8: Buffer): MppeKeys {
  return mppeKeysV1FromHashHash(hashNtPasswordHash(passwordHash), challenge8);
}

/**
 * As mppeKeysV1, from PasswordHashHash: what RADIUS returns as the NT-Key in
 * MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1), which pppd's radius plugin uses this way.
 */
export function mppeKeysV1FromHashHash(passwordHashHash: Buffer, challenge8: Buffer): MppeKeys {
  if (passwordHashHash.length !== 16 || challenge8.length !== 8) {
    throw new PptpdError(ErrorCode.CRYPTO, 'Get_Start_Key needs a 16-byte PasswordHashHash and an 8-byte Challenge');
  }
  const key = createHash('sha1').update(passwordHashHash).update(passwordHashHash).update(challenge8).digest().subarray(0, 16);
  return { sendKey: key, recvKey: Buffer.from(key) };
}

/**
 * RFC 3079 §2.1-2.2 MS-CHAPv1 40/56-bit start key: the first 8 octets of
 * LmPasswordHash. The MPPE codec turns it into the session key with
 * GetNewKeyFromSHA and the reduction, giving the RFC's §2.5.1/§2.5.2 keys.
 */
export function mppeStartKeyV1Lm(password: string): Buffer {
  return lmPasswordHash(password).subarray(0, 8);
}

/** The same keys from the peer's (client's) point of view: our send key is its receive key. */
export function clientView(keys: MppeKeys): MppeKeys {
  return { sendKey: keys.recvKey, recvKey: keys.sendKey };
}
