// The packet format shared by LCP, IPCP and CCP (RFC 1661 §5): Code, Identifier, Length,
// then Data; for Configure-* packets the Data is a list of Type-Length-Value options
// (RFC 1661 §6). Decoders return DecodeError on bad input, never throw, never read past
// the buffer. Octets past Length are padding and are ignored (RFC 1661 §5).
import { decodeError, ErrorCode, PptpdError, type DecodeError } from '../../errors.js';

export const CP_HEADER_LEN = 4;
export const OPTION_HEADER_LEN = 2;

export interface CpPacket {
  readonly code: number;
  readonly identifier: number;
  /** Data field (Length - 4 octets): a view into the input. */
  readonly data: Buffer;
}

export interface CpOption {
  readonly type: number;
  /** Option data without Type and Length: a view into the input. */
  readonly data: Buffer;
}

export function decodeCp(buf: Buffer, format: string): CpPacket | DecodeError {
  if (buf.length < CP_HEADER_LEN) return decodeError(format, `packet shorter than ${CP_HEADER_LEN} octets`);
  const length = buf.readUInt16BE(2);
  if (length < CP_HEADER_LEN) return decodeError(format, `Length ${length} below the header size`);
  if (length > buf.length) return decodeError(format, `Length ${length} exceeds the ${buf.length} octets received`);
  return { code: buf[0] as number, identifier: buf[1] as number, data: buf.subarray(CP_HEADER_LEN, length) };
}

export function encodeCp(code: number, identifier: number, data: Buffer | null = null): Buffer {
  const len = CP_HEADER_LEN + (data?.length ?? 0);
  const out = Buffer.allocUnsafe(len);
  out[0] = code;
  out[1] = identifier & 0xff;
  out.writeUInt16BE(len, 2);
  if (data) data.copy(out, CP_HEADER_LEN);
  return out;
}

/** RFC 1661 §6: each option's Length counts Type and Length, so it is at least 2. */
export function decodeOptions(data: Buffer, format: string): CpOption[] | DecodeError {
  const opts: CpOption[] = [];
  let off = 0;
  while (off < data.length) {
    if (data.length - off < OPTION_HEADER_LEN) return decodeError(format, `truncated option header at offset ${off}`);
    const type = data[off] as number;
    const len = data[off + 1] as number;
    if (len < OPTION_HEADER_LEN) return decodeError(format, `option ${type} has Length ${len}`);
    if (off + len > data.length) return decodeError(format, `option ${type} Length ${len} runs past the packet`);
    opts.push({ type, data: data.subarray(off + OPTION_HEADER_LEN, off + len) });
    off += len;
  }
  return opts;
}

export function encodeOptions(opts: readonly CpOption[]): Buffer {
  let len = 0;
  for (const o of opts) len += OPTION_HEADER_LEN + o.data.length;
  const out = Buffer.allocUnsafe(len);
  let off = 0;
  for (const o of opts) {
    if (o.data.length > 253) throw new PptpdError(ErrorCode.STATE, `option ${o.type} data too long (${o.data.length})`);
    out[off] = o.type;
    out[off + 1] = OPTION_HEADER_LEN + o.data.length;
    o.data.copy(out, off + OPTION_HEADER_LEN);
    off += OPTION_HEADER_LEN + o.data.length;
  }
  return out;
}

/** Option data helpers (all big-endian, RFC 1700 network order). */
export const opt = {
  empty: (type: number): CpOption => ({ type, data: Buffer.alloc(0) }),
  u16: (type: number, v: number): CpOption => {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v & 0xffff);
    return { type, data: b };
  },
  u32: (type: number, v: number): CpOption => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return { type, data: b };
  },
  bytes: (type: number, data: Buffer): CpOption => ({ type, data }),
};
