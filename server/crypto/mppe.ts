// MPPE per-packet codec (RFC 3078), sans-I/O: bytes in, bytes out, no timers.
//
// An MPPE packet (PPP protocol 0x00FD) is a 2-byte header, A B C D bits and a
// 12-bit coherency count (§3.1), then the encrypted PPP protocol field + data.
//
// Rules this file follows (and where it chooses between RFC 3078 and Linux):
// - The first packet carries coherency count 0 (Linux ppp_mppe, pppd peers).
// - Stateless (§7.1, §8.1): the key changes before every packet, the first one
//   included, and every packet has A (FLUSHED) set. The receiver changes key
//   once per count the sender advanced: 1..2048 changes. A count that did not
//   advance, or went back (more than 2048 behind), is a late or replayed packet
//   and is dropped without touching the keys (following Linux: catching up on
//   it would take ~4095 key changes and leave us out of step for good).
// - Stateful (§7.2, §8.2): the key changes on each "flag" packet (count low
//   octet 0xFF); we set A on flag packets too, as Linux does. A gap in the
//   count drops the packet and asks for a CCP Reset-Request (resetRequired)
//   until a packet with A set (or a flag packet) arrives; then we change key
//   once per flag packet missed and carry on from that count. Unlike Linux,
//   a flushed packet that itself reveals the gap is decrypted, not dropped:
//   its RC4 state is known, so waiting for another one gains nothing.
// - Stateful reset: on a CCP Reset-Request the sender's next packet has A set.
//   RFC 3078 §8.2 re-initializes RC4 with the current session key there; the
//   Linux kernel (so pppd, PoPToP and pptp-linux peers) performs a full key
//   change instead. The two cannot interoperate, so it is a mode option,
//   `flushRekeys`, default true (Linux), false for the RFC behaviour.

import { decodeError, type DecodeError } from '../errors.js';
import type { MppeCipher } from './mppe-session.js';
import type { MppeKeyBits } from './mppe-keys.js';
import { createMppeCipher, type MppeEngine } from './mppe-native.js';

/** Header bits, in the first octet (RFC 3078 §3.1). */
export const MppeHeaderBit = {
  /** A: RC4 tables were re-initialized before this packet ("FLUSHED"). */
  FLUSHED: 0x80,
  /** B and C: MPPC bits, no significance in MPPE. */
  B: 0x40,
  C: 0x20,
  /** D: the packet is encrypted. */
  ENCRYPTED: 0x10,
} as const;
export type MppeHeaderBit = (typeof MppeHeaderBit)[keyof typeof MppeHeaderBit];

export const MPPE_HEADER_LENGTH = 2;
/** The coherency count is 12 bits and wraps from 4095 to 0 (§3.1). */
const CCOUNT_MASK = 0x0fff;
/** Stateless catch-up bound: a count more than this far ahead is taken as late. */
export const MPPE_MAX_STATELESS_GAP = 2048;
/**
 * Key changes each received packet pays for, in both modes. A stateless jump of n counts
 * costs n key changes (SHA-1 + RC4 each, a few µs), a stateful flushed packet up to 17
 * (the flag packets it skipped, plus its own); MPPE has no integrity check, so without a
 * budget every bogus packet would buy that many (a CPU amplification against the whole
 * one-process server). Loss bursts up to the full gap are still followed at once: the
 * credit refills by this much per packet, up to MPPE_MAX_STATELESS_GAP.
 */
const REKEY_CREDIT_PER_PACKET = 2;

export interface MppeMode {
  bits: MppeKeyBits;
  /** Stateless ("H" bit, historyless) mode: new key on every packet. */
  stateless: boolean;
  /**
   * Stateful mode only: whether a flushed packet that is not a flag packet
   * (the answer to a CCP Reset-Request) comes with a full key change (true,
   * the default: Linux ppp_mppe) or only re-initializes RC4 with the current
   * session key (false: RFC 3078 §8.2 as written).
   */
  flushRekeys?: boolean;
  /**
   * Cipher implementation (./mppe-native.ts): 'auto' (default: the native addon when it
   * loads, else TypeScript), 'native' or 'typescript'. Same bytes on the wire either way.
   */
  engine?: MppeEngine;
}

export type MppeDecodeResult =
  | { readonly ok: true; readonly payload: Buffer }
  | { readonly ok: false; readonly error: DecodeError; readonly resetRequired: boolean };

function isFlag(ccount: number): boolean {
  return (ccount & 0xff) === 0xff;
}

/** Flag counts strictly between `from` and `to`, walking forward on the 12-bit circle. */
function flagsBetween(from: number, to: number): number {
  const d = (to - from) & CCOUNT_MASK;
  if (d === 0) return 0;
  // x in (from, from + d) with (x + 1) a multiple of 256, i.e. multiples of 256 in [from + 2, from + d].
  return Math.floor((from + d) / 256) - Math.floor((from + 1) / 256);
}

export class MppeEncoder {
  private readonly cipher: MppeCipher;
  private readonly stateless: boolean;
  private readonly flushRekeys: boolean;
  /** Count of the last packet sent; starts at 4095 so the first packet carries 0. */
  private ccount = CCOUNT_MASK;
  private resetPending = false;

  /** @param masterKey our send key (16 octets; 40/56-bit use the first 8). */
  constructor(masterKey: Buffer, mode: MppeMode) {
    this.cipher = createMppeCipher(masterKey, mode.bits, mode.engine);
    this.stateless = mode.stateless;
    this.flushRekeys = mode.flushRekeys ?? true;
  }

  /** Coherency count of the last packet encoded. */
  get coherencyCount(): number {
    return this.ccount;
  }

  /** The peer sent a CCP Reset-Request: the next packet goes out flushed (§8.2). */
  resetRequest(): void {
    this.resetPending = true;
  }

  /**
   * Encrypts `payload` (PPP protocol field + data) into a new MPPE packet:
   * header + ciphertext. For a copy-free path use encodeInPlace.
   */
  encode(payload: Buffer): Buffer {
    const out = Buffer.allocUnsafe(MPPE_HEADER_LENGTH + payload.length);
    payload.copy(out, MPPE_HEADER_LENGTH);
    this.encodeInPlace(out, 0, out.length);
    return out;
  }

  /**
   * Encodes in the caller's buffer: `buf[start, start + 2)` receives the
   * header, `buf[start + 2, end)` holds the payload and is encrypted in place.
   */
  encodeInPlace(buf: Buffer, start: number, end: number): void {
    if (start < 0 || end > buf.length || end - start < MPPE_HEADER_LENGTH) {
      throw new RangeError(`MPPE encode range [${start}, ${end}) invalid for buffer of ${buf.length}`);
    }
    const c = (this.ccount + 1) & CCOUNT_MASK;
    this.ccount = c;
    // Stateless and flag packets change key; a flush after a Reset-Request changes key
    // (flushRekeys) or only re-keys RC4 with the current key (RFC 3078 §8.2).
    let changes = 0;
    let flushed = true;
    if (this.stateless || isFlag(c) || (this.resetPending && this.flushRekeys)) changes = 1;
    else if (!this.resetPending) flushed = false;
    this.resetPending = false;
    buf[start] = (flushed ? MppeHeaderBit.FLUSHED : 0) | MppeHeaderBit.ENCRYPTED | (c >>> 8);
    buf[start + 1] = c & 0xff;
    this.cipher.crypt(buf, start + MPPE_HEADER_LENGTH, end, changes, flushed);
  }
}

export class MppeDecoder {
  private readonly cipher: MppeCipher;
  private readonly stateless: boolean;
  private readonly flushRekeys: boolean;
  /** Count of the last packet accepted; 4095 so the first expected count is 0. */
  private ccount = CCOUNT_MASK;
  /** Stateful: a packet was lost; drop until a flushed packet (§8.2). */
  private discard = false;
  /** Key changes we may still make (see REKEY_CREDIT_PER_PACKET). */
  private rekeyCredit = MPPE_MAX_STATELESS_GAP;

  /** @param masterKey our receive key (16 octets; 40/56-bit use the first 8). */
  constructor(masterKey: Buffer, mode: MppeMode) {
    this.cipher = createMppeCipher(masterKey, mode.bits, mode.engine);
    this.stateless = mode.stateless;
    this.flushRekeys = mode.flushRekeys ?? true;
  }

  /** Stateful only: true while packets are dropped waiting for a flushed packet. */
  get awaitingFlush(): boolean {
    return this.discard;
  }

  /**
   * Decrypts an MPPE packet (header + ciphertext) IN PLACE and returns the
   * payload (PPP protocol field + data) as a view into `packet`.
   */
  decode(packet: Buffer): MppeDecodeResult {
    return this.decodeInPlace(packet, 0, packet.length);
  }

  /** As decode, for the MPPE packet at `buf[start, end)`. */
  decodeInPlace(buf: Buffer, start: number, end: number): MppeDecodeResult {
    if (start < 0 || end > buf.length || start > end) {
      return fail('range outside the buffer', false);
    }
    // At least the header and one octet of (possibly compressed) protocol field.
    if (end - start < MPPE_HEADER_LENGTH + 1) {
      return fail(`packet of ${end - start} octets is shorter than header + protocol`, false);
    }
    const b0 = buf[start]!;
    const c = ((b0 & 0x0f) << 8) | buf[start + 1]!;
    const flushed = (b0 & MppeHeaderBit.FLUSHED) !== 0;
    if ((b0 & MppeHeaderBit.ENCRYPTED) === 0) {
      return fail('packet without the D (encrypted) bit while MPPE is on', this.discard);
    }
    const changes = this.stateless ? this.syncStateless(c, flushed) : this.syncStateful(c, flushed);
    if (typeof changes !== 'number') return changes;
    this.cipher.crypt(buf, start + MPPE_HEADER_LENGTH, end, changes, flushed);
    return { ok: true, payload: buf.subarray(start + MPPE_HEADER_LENGTH, end) };
  }

  /** §8.1: change key once per count the sender advanced. Returns a failure or the key changes to make. */
  private syncStateless(c: number, flushed: boolean): MppeDecodeResult | number {
    if (!flushed) return fail('stateless packet without the A (flushed) bit', false);
    const n = (c - this.ccount) & CCOUNT_MASK;
    if (n === 0) return fail(`repeated coherency count ${c}`, false);
    if (n > MPPE_MAX_STATELESS_GAP) return fail(`late packet: coherency count ${c} after ${this.ccount}`, false);
    if (!this.spend(n)) return fail(`coherency count ${c} is ${n} ahead: more key changes than recent packets pay for`, false);
    this.ccount = c;
    return n;
  }

  /**
   * §7.2/§8.2: key change on flag packets; loss means discard until flushed. Returns a
   * failure or the key changes to make (0 with `flushed`: re-key RC4 with the current key).
   */
  private syncStateful(c: number, flushed: boolean): MppeDecodeResult | number {
    const flag = isFlag(c);
    if (this.discard) {
      if (!flushed && !flag) return fail(`coherency count ${c}: waiting for a flushed packet after loss`, true);
    } else {
      const expected = (this.ccount + 1) & CCOUNT_MASK;
      // A gap means loss. A flushed (or flag) packet can still be decrypted, so
      // it resynchronizes at once; any other packet is dropped (§8.2).
      if (c !== expected && !flushed && !flag) {
        this.discard = true;
        return fail(`packet loss: coherency count ${c}, expected ${expected}`, true);
      }
    }
    // Key changes the sender made that we have not: missed flag packets, then this one.
    let changes = flagsBetween(this.ccount, c);
    if (flag || (flushed && this.flushRekeys)) changes++;
    if (!this.spend(changes)) {
      // Refused without moving: we stay where we were (and ask for a flush again if lost).
      return fail(`coherency count ${c} needs ${changes} key changes: more than recent packets pay for`, this.discard);
    }
    this.discard = false;
    this.ccount = c;
    return changes;
  }

  /** Every packet earns REKEY_CREDIT_PER_PACKET; false when `n` key changes are more than the credit. */
  private spend(n: number): boolean {
    this.rekeyCredit = Math.min(MPPE_MAX_STATELESS_GAP, this.rekeyCredit + REKEY_CREDIT_PER_PACKET);
    if (n > this.rekeyCredit) return false;
    this.rekeyCredit -= n;
    return true;
  }
}

function fail(reason: string, resetRequired: boolean): MppeDecodeResult {
  return { ok: false, error: decodeError('mppe', reason), resetRequired };
}
