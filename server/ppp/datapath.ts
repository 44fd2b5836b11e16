// The IP data path of a PPP session: IP packets to frames (plain 0x0021 or MPPE 0x00fd,
// RFC 3078 §3) and back. One copy per packet on the way out (the IP packet into the frame
// buffer, encrypted in place there: a new buffer with encapsulate(), the caller's send slab
// with encapsulateInto()); none on the way in (decrypted in place in the frame).
import { type MppeDecodeResult, MppeDecoder, MppeEncoder } from '../crypto/mppe.js';
import type { MppeKeys } from '../../auth-plugins/types.js';
import type { CcpResult } from './ccp/ccp.js';
import {
  ALL_STATIONS, decodeInnerProtocol, type FrameCompression, encodeFrame, frameHeaderLength, UI_CONTROL,
} from './frame.js';
import { Protocol } from './protocols.js';

const MPPE_HEADER = 2;
const INNER_PROTOCOL = 2; // we always send the inner Protocol field uncompressed

/** frame.ts writeFrameHeader at an offset (data protocols only: never LCP); returns the end. */
function writeFrameHeaderAt(out: Buffer, offset: number, protocol: number, comp: FrameCompression): number {
  let p = offset;
  if (!comp.acfc) {
    out[p++] = ALL_STATIONS; // RFC 1662 §3.1 Address, Control (RFC 1661 §6.6 ACFC elides them)
    out[p++] = UI_CONTROL;
  }
  if (comp.pfc && protocol < 0x100) {
    out[p++] = protocol; // RFC 1661 §6.5 PFC: one octet
  } else {
    out[p++] = protocol >> 8;
    out[p++] = protocol & 0xff;
  }
  return p;
}

export type Decapsulated =
  | { readonly kind: 'ip'; readonly packet: Buffer }
  | { readonly kind: 'drop'; readonly reason: string; readonly resetRequired: boolean };

export class DataPath {
  private encoder: MppeEncoder | null = null;
  private decoder: MppeDecoder | null = null;

  /** CCP opened: a fresh coder per encrypted direction, from the auth's master keys. */
  configure(keys: MppeKeys, ccp: CcpResult, flushRekeys: boolean): void {
    this.encoder = ccp.send ? new MppeEncoder(keys.sendKey, { ...ccp.send, flushRekeys }) : null;
    this.decoder = ccp.recv ? new MppeDecoder(keys.recvKey, { ...ccp.recv, flushRekeys }) : null;
  }

  clear(): void {
    this.encoder = null;
    this.decoder = null;
  }

  get encrypting(): boolean {
    return this.encoder !== null;
  }
  get decrypting(): boolean {
    return this.decoder !== null;
  }

  /** The peer asked for a flush (CCP Reset-Request). */
  resetRequest(): void {
    this.encoder?.resetRequest();
  }

  /** A whole frame carrying `packet`, encrypted when MPPE runs in our send direction. */
  encapsulate(packet: Buffer, comp: FrameCompression): Buffer {
    if (!this.encoder) return encodeFrame(Protocol.IP, packet, comp);
    const out = Buffer.allocUnsafe(this.frameLength(packet.length, comp));
    this.encapsulateInto(packet, comp, out, 0);
    return out;
  }

  /** Octets of the frame encapsulate()/encapsulateInto() make for an IP packet of `packetLength`. */
  frameLength(packetLength: number, comp: FrameCompression): number {
    if (!this.encoder) return frameHeaderLength(Protocol.IP, comp) + packetLength;
    return frameHeaderLength(Protocol.MPPE, comp) + MPPE_HEADER + INNER_PROTOCOL + packetLength;
  }

  /**
   * The copy-free form of encapsulate(): writes the frame carrying `packet` at
   * `out[offset, offset + frameLength())` (the caller's send slab, after the GRE header it
   * wrote there), encrypting it in place when MPPE runs in our send direction, and
   * returns its length. `packet` must not overlap that range.
   */
  encapsulateInto(packet: Uint8Array, comp: FrameCompression, out: Buffer, offset: number): number {
    const enc = this.encoder;
    const protocol = enc ? Protocol.MPPE : Protocol.IP;
    let p = writeFrameHeaderAt(out, offset, protocol, comp);
    if (!enc) {
      out.set(packet, p);
      return p + packet.length - offset;
    }
    const mppeStart = p;
    p += MPPE_HEADER;
    out[p++] = Protocol.IP >> 8;
    out[p++] = Protocol.IP & 0xff;
    out.set(packet, p);
    const end = p + packet.length;
    enc.encodeInPlace(out, mppeStart, end);
    return end - offset;
  }

  /** An MPPE packet (the Information field of a 0x00fd frame), decrypted in place. */
  decryptMppe(info: Buffer): Decapsulated {
    const dec = this.decoder;
    if (!dec) return { kind: 'drop', reason: 'MPPE packet while MPPE is not negotiated', resetRequired: false };
    const r: MppeDecodeResult = dec.decode(info);
    if (!r.ok) return { kind: 'drop', reason: r.error.reason, resetRequired: r.resetRequired };
    const inner = decodeInnerProtocol(r.payload);
    if ('kind' in inner) return { kind: 'drop', reason: inner.reason, resetRequired: false };
    if (inner.protocol !== Protocol.IP) {
      return { kind: 'drop', reason: `encrypted protocol 0x${inner.protocol.toString(16)} is not IP`, resetRequired: false };
    }
    return { kind: 'ip', packet: r.payload.subarray(inner.offset) };
  }
}
