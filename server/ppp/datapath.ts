// The IP data path of a PPP session: IP packets to frames (plain 0x0021 or MPPE 0x00fd,
// RFC 3078 §3) and back. One copy per packet on the way out (the IP packet into the frame
// buffer, encrypted in place there); none on the way in (decrypted in place in the frame).
import { type MppeDecodeResult, MppeDecoder, MppeEncoder } from '../crypto/mppe.js';
import type { MppeKeys } from '../../auth-plugins/types.js';
import type { CcpResult } from './ccp/ccp.js';
import { decodeInnerProtocol, type FrameCompression, encodeFrame, frameHeaderLength, writeFrameHeader } from './frame.js';
import { Protocol } from './protocols.js';

const MPPE_HEADER = 2;
const INNER_PROTOCOL = 2; // we always send the inner Protocol field uncompressed

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
    const enc = this.encoder;
    if (!enc) return encodeFrame(Protocol.IP, packet, comp);
    const h = frameHeaderLength(Protocol.MPPE, comp);
    const out = Buffer.allocUnsafe(h + MPPE_HEADER + INNER_PROTOCOL + packet.length);
    writeFrameHeader(out, Protocol.MPPE, comp);
    out[h + MPPE_HEADER] = Protocol.IP >> 8;
    out[h + MPPE_HEADER + 1] = Protocol.IP & 0xff;
    packet.copy(out, h + MPPE_HEADER + INNER_PROTOCOL);
    enc.encodeInPlace(out, h, out.length);
    return out;
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
