// TCP byte stream → whole PPTP control messages (RFC 2637 §2: each message starts
// with its total Length, then PPTP Message Type and the Magic Cookie).
//
// Rules:
// - Sans-I/O: the caller pushes whatever TCP delivered, in chunks of any size.
// - Memory is bounded: at most one partial message (≤ maxMessageLength octets) is
//   kept between pushes, in a buffer that exists only while a message is split across
//   chunks (rare: most connections never need it, and an idle one should not pay
//   maxMessageLength octets for it). Whole messages found
//   inside a chunk are returned as subarrays of that chunk (no copy), so they are
//   valid as long as the caller keeps the chunk; assembled ones are fresh copies.
// - A Length below the header size or above the cap, or a wrong Magic Cookie, means
//   the stream cannot be resynchronised: the framer returns a fatal DecodeError, and
//   the connection must be closed (§2.16 calls this Bad-Format). After that every
//   push returns the same error.

import { decodeError, type DecodeError } from '../errors.js';
import { HEADER_LENGTH, MAGIC_COOKIE } from './constants.js';
import { FORMAT, PptpDecodeReason } from './codec-header.js';

/** Octets needed to read Length and Magic Cookie. */
const PREFIX = 8;

/** Default cap: the largest defined message is ICRQ at 220 octets; leave room for
 *  a vendor's longer variant, refuse anything that cannot be PPTP. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 512;

export interface FramerOptions {
  /** Largest Length accepted before the stream is declared broken. */
  readonly maxMessageLength?: number;
}

export class ControlFramer {
  readonly maxMessageLength: number;
  /** Only while a message is incomplete (have > 0). */
  private partial: Uint8Array | null = null;
  private have = 0; // octets of a partial message held in `partial`
  private fatal: DecodeError | undefined;

  constructor(options: FramerOptions = {}) {
    this.maxMessageLength = Math.max(options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH, HEADER_LENGTH);
  }

  /** The fatal error that stopped the framer, if any. */
  get error(): DecodeError | undefined {
    return this.fatal;
  }

  /** Octets of an incomplete message currently held. */
  get buffered(): number {
    return this.have;
  }

  /**
   * Feed the next chunk of the stream. Returns the whole messages it completes, in
   * order; the last element is a DecodeError if the stream turned out to be broken.
   */
  push(chunk: Uint8Array): Array<Uint8Array | DecodeError> {
    const out: Array<Uint8Array | DecodeError> = [];
    if (this.fatal) {
      out.push(this.fatal);
      return out;
    }
    let off = 0;
    while (off < chunk.length) {
      if (this.have === 0) {
        // Fast path: parse straight from the chunk.
        const rem = chunk.length - off;
        if (rem >= PREFIX) {
          const len = this.checkPrefix(chunk, off);
          if (len < 0) {
            out.push(this.fatal!);
            return out;
          }
          if (rem >= len) {
            out.push(chunk.subarray(off, off + len));
            off += len;
            continue;
          }
        }
        // Incomplete: keep the tail (shorter than its Length, so within the cap).
        (this.partial ??= new Uint8Array(this.maxMessageLength)).set(chunk.subarray(off), 0);
        this.have = rem;
        return out;
      }
      // Slow path: complete the held partial message.
      const partial = this.partial!; // have > 0: it exists
      const target = this.have < PREFIX ? PREFIX : this.lengthOf(partial);
      const take = Math.min(target - this.have, chunk.length - off);
      partial.set(chunk.subarray(off, off + take), this.have);
      this.have += take;
      off += take;
      if (this.have < target) return out;
      if (target === PREFIX) {
        if (this.checkPrefix(partial, 0) < 0) {
          out.push(this.fatal!);
          return out;
        }
        continue; // now the Length is known; keep filling
      }
      out.push(partial.slice(0, this.have));
      this.have = 0;
      this.partial = null;
    }
    return out;
  }

  private lengthOf(b: Uint8Array): number {
    return (b[0]! << 8) | b[1]!;
  }

  /** Check Length and Magic Cookie at `off` (8 octets available). Returns the Length, or -1 after recording the fatal error. */
  private checkPrefix(b: Uint8Array, off: number): number {
    const len = (b[off]! << 8) | b[off + 1]!;
    if (len < HEADER_LENGTH || len > this.maxMessageLength) {
      this.fatal = decodeError(FORMAT, PptpDecodeReason.BadLength);
      return -1;
    }
    const cookie = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
    if (cookie !== MAGIC_COOKIE) {
      this.fatal = decodeError(FORMAT, PptpDecodeReason.BadMagicCookie);
      return -1;
    }
    return len;
  }
}
