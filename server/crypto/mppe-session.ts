// One direction's MPPE key state: the master (start) key, the current session
// key and the RC4 table keyed with it. The key change of RFC 3078 §7.3 runs
// here over buffers allocated once per direction, so the per-packet path
// (stateless mode changes key on every packet) allocates only SHA-1's digest.

import { hash } from 'node:crypto';
import { Rc4 } from './rc4.js';
import { keyLengthFor, reduceKeyInPlace, type MppeKeyBits } from './mppe-keys.js';
import { ErrorCode, PptpdError } from '../errors.js';

/**
 * The cipher half of one MPPE direction, as MppeEncoder/MppeDecoder drive it. Two
 * implementations: MppeSessionKey (TypeScript, the reference and fallback) and
 * NativeMppeCipher (./mppe-native.ts, the addon). Same inputs, same bytes out.
 */
export interface MppeCipher {
  /**
   * Makes `keyChanges` key changes (RFC 3078 §7.3) and keys RC4 with the final session
   * key; with no key change and `flushed` set, re-keys RC4 with the current session key
   * (§8.2 resynchronization). Then XORs the key stream into `buf[start, end)`, in place.
   */
  crypt(buf: Uint8Array, start: number, end: number, keyChanges: number, flushed: boolean): void;
}

export class MppeSessionKey implements MppeCipher {
  readonly bits: MppeKeyBits;
  /** Session key length in octets: 8 for 40/56-bit, 16 for 128-bit. */
  readonly length: 8 | 16;
  /** The current session key (RFC 3078 §7.3 SessionKey); its first `length` octets. */
  readonly sessionKey: Buffer;
  /** RC4 keyed with the session key; encrypts or decrypts the packet data. */
  readonly rc4: Rc4;
  /** StartKey ‖ SHApad1 ‖ SessionKey ‖ SHApad2, the GetNewKeyFromSHA input, kept filled. */
  private readonly shaInput: Buffer;
  /** Where the SessionKey sits in shaInput. */
  private readonly sessionOffset: number;

  /**
   * @param masterKey the master (start) key for this direction: 16 octets for
   *   128-bit, at least 8 for 40/56-bit (the first 8 are used).
   */
  constructor(masterKey: Uint8Array, bits: MppeKeyBits) {
    const len = keyLengthFor(bits);
    if (masterKey.length < len) {
      throw new PptpdError(ErrorCode.CRYPTO, `MPPE ${bits}-bit needs a master key of at least ${len} bytes`);
    }
    this.bits = bits;
    this.length = len;
    this.sessionOffset = len + 40;
    this.shaInput = Buffer.alloc(len + 40 + len + 40, 0);
    this.shaInput.set(masterKey.subarray(0, len), 0); // StartKey; SHApad1 is already zero
    this.shaInput.fill(0xf2, len + 40 + len); // SHApad2
    this.sessionKey = Buffer.alloc(len);
    // Initial session key (RFC 3079 §3.1-3.3): GetNewKeyFromSHA(start, start), reduced,
    // with no RC4 step. SessionKey = StartKey in the first call.
    this.shaInput.copy(this.shaInput, this.sessionOffset, 0, len);
    this.sha1Interim(this.sessionKey);
    reduceKeyInPlace(this.sessionKey, bits);
    this.rc4 = new Rc4(this.sessionKey);
  }

  /** Writes GetNewKeyFromSHA(StartKey, SessionKey, length) into `out`. */
  private sha1Interim(out: Buffer): void {
    const digest = hash('sha1', this.shaInput, 'buffer');
    digest.copy(out, 0, 0, this.length);
  }

  /**
   * The MPPE key change (RFC 3078 §7.3): InterimKey = GetNewKeyFromSHA(StartKey,
   * SessionKey); SessionKey = RC4(InterimKey, InterimKey); reduce to 40/56 bits;
   * re-key RC4 with the new SessionKey. When several changes run back to back
   * (catching up after loss), pass `initTables = false` for all but the last:
   * only the session key matters in between.
   */
  changeKey(initTables = true): void {
    const key = this.sessionKey;
    key.copy(this.shaInput, this.sessionOffset);
    this.sha1Interim(key); // key = InterimKey
    this.rc4.rekey(key); // rc4_key(RC4Key, Length, InterimKey)
    this.rc4.process(key); // SessionKey = rc4(RC4Key, Length, InterimKey), in place
    reduceKeyInPlace(key, this.bits);
    if (initTables) this.rc4.rekey(key);
  }

  /** Re-initializes RC4 with the current session key (RFC 3078 §8.2 resynchronization). */
  reinitTables(): void {
    this.rc4.rekey(this.sessionKey);
  }

  crypt(buf: Uint8Array, start: number, end: number, keyChanges: number, flushed: boolean): void {
    // Only the last change needs the RC4 table for the data (see changeKey).
    for (let k = 1; k <= keyChanges; k++) this.changeKey(k === keyChanges);
    if (keyChanges === 0 && flushed) this.reinitTables();
    this.rc4.process(buf, start, end);
  }
}
