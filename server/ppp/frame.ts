// PPP frames as PPTP carries them in enhanced GRE (RFC 2637 §4.1): no HDLC flag, no FCS,
// no byte stuffing. What remains of RFC 1662 §3.1 is the optional Address (0xff) and
// Control (0x03) pair, then the Protocol field of one or two octets (RFC 1661 §2, §6.5).
//
// Receiving: we accept both forms of both fields on every protocol, LCP included. RFC 1661
// §6.6 lets us drop compressed frames before ACFC is negotiated, but real pppd peers omit
// FF 03 even on LCP Echo once LCP is open, so being liberal here is what interoperates.
// Sending: compression only when the peer asked for it (its PFC/ACFC options, which we
// Acked), and never on LCP (RFC 1661 §5: codes 1-7 "as if no Configuration Options were
// negotiated"; §6.5/§6.6 "MUST NOT be compressed when sending any LCP packet").
import { decodeError, type DecodeError } from '../errors.js';
import { Protocol } from './protocols.js';

export const ALL_STATIONS = 0xff; // RFC 1662 §3.1 Address
export const UI_CONTROL = 0x03; // RFC 1662 §3.1 Control (Unnumbered Information)

export interface PppFrame {
  readonly protocol: number;
  /** The Information field: a view into the input buffer, not a copy. */
  readonly info: Buffer;
}

/** What the peer agreed we may compress when sending (from its Configure-Request). */
export interface FrameCompression {
  readonly acfc: boolean;
  readonly pfc: boolean;
}

export const NO_COMPRESSION: FrameCompression = { acfc: false, pfc: false };

/** Offset of the Information field and the protocol, or a DecodeError. No allocation besides the result. */
export function decodeFrame(buf: Buffer): PppFrame | DecodeError {
  let off = 0;
  if (buf.length >= 1 && buf[0] === ALL_STATIONS) {
    if (buf.length < 2 || buf[1] !== UI_CONTROL) return decodeError('ppp', 'address 0xff not followed by control 0x03');
    off = 2;
  }
  if (buf.length <= off) return decodeError('ppp', 'frame has no protocol field');
  const first = buf[off] as number;
  let protocol: number;
  if ((first & 1) === 1) {
    // RFC 1661 §6.5: an odd first octet is a complete (compressed) Protocol field.
    protocol = first;
    off += 1;
  } else {
    if (buf.length < off + 2) return decodeError('ppp', 'truncated protocol field');
    const second = buf[off + 1] as number;
    // RFC 1661 §2: the last octet of the Protocol field is odd.
    if ((second & 1) === 0) return decodeError('ppp', `invalid protocol field 0x${first.toString(16)}${second.toString(16).padStart(2, '0')}`);
    protocol = (first << 8) | second;
    off += 2;
  }
  return { protocol, info: buf.subarray(off) };
}

/** Header length for `protocol` under `comp` (LCP never compressed). */
export function frameHeaderLength(protocol: number, comp: FrameCompression): number {
  const lcp = protocol === Protocol.LCP;
  const addr = comp.acfc && !lcp ? 0 : 2;
  const proto = comp.pfc && !lcp && protocol < 0x100 ? 1 : 2;
  return addr + proto;
}

/** Writes the Address/Control and Protocol fields at `out[0..]`; returns the bytes written. */
export function writeFrameHeader(out: Buffer, protocol: number, comp: FrameCompression): number {
  let off = 0;
  const lcp = protocol === Protocol.LCP;
  if (!(comp.acfc && !lcp)) {
    out[off++] = ALL_STATIONS;
    out[off++] = UI_CONTROL;
  }
  if (comp.pfc && !lcp && protocol < 0x100) {
    out[off++] = protocol;
  } else {
    out[off++] = protocol >> 8;
    out[off++] = protocol & 0xff;
  }
  return off;
}

/** A whole frame: header then a copy of `info`. */
export function encodeFrame(protocol: number, info: Buffer, comp: FrameCompression = NO_COMPRESSION): Buffer {
  const h = frameHeaderLength(protocol, comp);
  const out = Buffer.allocUnsafe(h + info.length);
  writeFrameHeader(out, protocol, comp);
  info.copy(out, h);
  return out;
}

/**
 * The Protocol field at the start of a decompressed/decrypted datagram (RFC 1962 §3:
 * the compressed data includes the Protocol field, which may itself be PFC-compressed).
 */
export function decodeInnerProtocol(buf: Buffer): { protocol: number; offset: number } | DecodeError {
  if (buf.length < 1) return decodeError('ppp', 'empty datagram');
  const first = buf[0] as number;
  if ((first & 1) === 1) return { protocol: first, offset: 1 };
  if (buf.length < 2) return decodeError('ppp', 'truncated inner protocol field');
  const second = buf[1] as number;
  if ((second & 1) === 0) return decodeError('ppp', 'invalid inner protocol field');
  return { protocol: (first << 8) | second, offset: 2 };
}
