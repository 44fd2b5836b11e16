// Enhanced GRE (RFC 2637 §4.1), the PPTP data channel:
//
//   |C|R|K|S|s|Recur|A| Flags | Ver |  Protocol Type (0x880B)  |
//   |  Key (HW) Payload Length     |  Key (LW) Call ID         |
//   |  Sequence Number (present if S)                          |
//   |  Acknowledgment Number (present if A)                    |
//
// Per-packet path: decode returns a subarray of the input (no copy), and writeHeader()
// writes a header in front of a payload the caller already placed in its buffer.
// Decoders return a DecodeError value and never read past the buffer.

import { decodeError, type DecodeError } from '../errors.js';

export const FORMAT = 'gre';

/** IP protocol number of GRE. */
export const IPPROTO_GRE = 47;
/** Protocol Type for PPP (RFC 2637 §4.1, RFC 1701). */
export const GRE_PROTOCOL_PPP = 0x880b;
/** Ver: 1 means enhanced GRE. */
export const GRE_VERSION_ENHANCED = 1;

/** Bits of the first 16-bit word. */
export const GreFlag = {
  Checksum: 0x8000, // C: must be 0
  Routing: 0x4000, // R: must be 0
  Key: 0x2000, // K: must be 1 (Payload Length + Call ID)
  Sequence: 0x1000, // S: Sequence Number present (packet has a payload)
  StrictRoute: 0x0800, // s: must be 0
  RecursionMask: 0x0700, // Recur: must be 0
  Ack: 0x0080, // A: Acknowledgment Number present
  ReservedMask: 0x0078, // Flags: must be 0; ignored on receipt
  VersionMask: 0x0007,
} as const;

/** C, R, s and Recur would change the header layout (RFC 1701), so they are refused. */
const LAYOUT_FLAGS = GreFlag.Checksum | GreFlag.Routing | GreFlag.StrictRoute | GreFlag.RecursionMask;

/** Flags/version, Protocol Type, Payload Length, Call ID. */
export const GRE_BASE_HEADER_LENGTH = 8;
/** The largest header: base + Sequence Number + Acknowledgment Number. */
export const GRE_MAX_HEADER_LENGTH = 16;

/** Stable DecodeError reasons; tests assert these exact strings. */
export const GreDecodeReason = {
  Truncated: 'truncated',
  BadVersion: 'bad-version',
  BadProtocol: 'bad-protocol',
  NoKey: 'key-bit-missing',
  UnsupportedFlags: 'unsupported-flags',
  PayloadLengthExceedsPacket: 'payload-length-exceeds-packet',
  PayloadWithoutSequence: 'payload-without-sequence',
} as const;
export type GreDecodeReason = (typeof GreDecodeReason)[keyof typeof GreDecodeReason];

export interface GrePacket {
  /** The receiver's Call ID (ours, when we receive). */
  readonly callId: number;
  /** Sequence Number, when S is set (a data packet). */
  readonly seq: number | undefined;
  /** Acknowledgment Number, when A is set. */
  readonly ack: number | undefined;
  /** The PPP frame: a subarray of the input, empty for an ack-only packet. */
  readonly payload: Uint8Array;
}

export interface GreHeader {
  readonly callId: number;
  readonly payloadLength: number;
  readonly seq?: number | undefined;
  readonly ack?: number | undefined;
}

function fail(reason: GreDecodeReason): DecodeError {
  return decodeError(FORMAT, reason);
}

/** Header size for the optional fields present. */
export function headerLength(hasSeq: boolean, hasAck: boolean): number {
  return GRE_BASE_HEADER_LENGTH + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0);
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * Decode one enhanced GRE packet (starting at the GRE header, IP header already removed)
 * at `b[start, end)` (default: all of `b`). The range form lets the receive path decode
 * straight from its batch slab without a view per packet; the payload is still a view.
 * A range outside `b` is a Truncated DecodeError.
 */
export function decodeGre(b: Uint8Array, start = 0, end: number = b.length): GrePacket | DecodeError {
  if (start < 0 || end > b.length || start > end) return fail(GreDecodeReason.Truncated);
  const len = end - start;
  const o = start;
  if (len < GRE_BASE_HEADER_LENGTH) return fail(GreDecodeReason.Truncated);
  const flags = (b[o]! << 8) | b[o + 1]!;
  if ((flags & GreFlag.VersionMask) !== GRE_VERSION_ENHANCED) return fail(GreDecodeReason.BadVersion);
  if (((b[o + 2]! << 8) | b[o + 3]!) !== GRE_PROTOCOL_PPP) return fail(GreDecodeReason.BadProtocol);
  if ((flags & GreFlag.Key) === 0) return fail(GreDecodeReason.NoKey);
  if ((flags & LAYOUT_FLAGS) !== 0) return fail(GreDecodeReason.UnsupportedFlags);
  const hasSeq = (flags & GreFlag.Sequence) !== 0;
  const hasAck = (flags & GreFlag.Ack) !== 0;
  const hlen = headerLength(hasSeq, hasAck);
  if (len < hlen) return fail(GreDecodeReason.Truncated);
  const payloadLength = (b[o + 4]! << 8) | b[o + 5]!;
  // A shorter Payload Length than the octets left is fine (link padding); a longer one is not.
  if (payloadLength > len - hlen) return fail(GreDecodeReason.PayloadLengthExceedsPacket);
  // §4.1: S is set exactly when a payload is present.
  if (!hasSeq && payloadLength > 0) return fail(GreDecodeReason.PayloadWithoutSequence);
  return {
    callId: (b[o + 6]! << 8) | b[o + 7]!,
    seq: hasSeq ? u32(b, o + 8) : undefined,
    ack: hasAck ? u32(b, o + (hasSeq ? 12 : 8)) : undefined,
    payload: b.subarray(o + hlen, o + hlen + payloadLength),
  };
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Write an enhanced GRE header at `offset` and return its length. The payload (if any)
 * belongs right after it: reserve headerLength(seq !== undefined, ack !== undefined)
 * octets in front of the payload and write the header there, so nothing is copied.
 * A header without `seq` is an ack-only packet and must have payloadLength 0.
 */
export function writeHeader(b: Uint8Array, offset: number, h: GreHeader): number {
  const hasSeq = h.seq !== undefined;
  const hasAck = h.ack !== undefined;
  const flags = GreFlag.Key | GRE_VERSION_ENHANCED | (hasSeq ? GreFlag.Sequence : 0) | (hasAck ? GreFlag.Ack : 0);
  b[offset] = flags >>> 8;
  b[offset + 1] = flags & 0xff;
  b[offset + 2] = GRE_PROTOCOL_PPP >>> 8;
  b[offset + 3] = GRE_PROTOCOL_PPP & 0xff;
  b[offset + 4] = (h.payloadLength >>> 8) & 0xff;
  b[offset + 5] = h.payloadLength & 0xff;
  b[offset + 6] = (h.callId >>> 8) & 0xff;
  b[offset + 7] = h.callId & 0xff;
  let o = offset + GRE_BASE_HEADER_LENGTH;
  if (hasSeq) {
    put32(b, o, h.seq!);
    o += 4;
  }
  if (hasAck) {
    put32(b, o, h.ack!);
    o += 4;
  }
  return o - offset;
}

/** Convenience (allocates): a whole GRE packet with a copy of `payload`. */
export function encodeGre(h: { callId: number; seq?: number | undefined; ack?: number | undefined }, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const hlen = headerLength(h.seq !== undefined, h.ack !== undefined);
  const out = new Uint8Array(hlen + payload.length);
  writeHeader(out, 0, { ...h, payloadLength: payload.length });
  out.set(payload, hlen);
  return out;
}
