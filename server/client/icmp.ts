// ICMP Echo over IPv4 (RFC 792 "Echo or Echo Reply Message", RFC 791 §3.1 header) for
// the client's ping: we have no TUN and no kernel stack inside the tunnel, so the client
// builds whole IPv4 datagrams itself and reads the replies PPP delivers.
//
// Rules: the builder computes both checksums (RFC 1071 Internet checksum); the parser
// never throws and never reads past the buffer, returning a DecodeError value for
// anything that is not a well-formed, unfragmented ICMP Echo / Echo Reply.

import { decodeError, type DecodeError } from '../errors.js';

export const FORMAT = 'icmp';

export const IPPROTO_ICMP = 1;
export const IPV4_HEADER_LENGTH = 20;
export const ICMP_ECHO_HEADER_LENGTH = 8;
/** Largest echo payload that still fits one 1500-octet IPv4 datagram. */
export const MAX_ECHO_PAYLOAD = 1500 - IPV4_HEADER_LENGTH - ICMP_ECHO_HEADER_LENGTH;

/** RFC 792 message types we speak. */
export const IcmpType = {
  EchoReply: 0,
  Echo: 8,
} as const;
export type IcmpType = (typeof IcmpType)[keyof typeof IcmpType];

export const IcmpDecodeReason = {
  Truncated: 'truncated',
  NotIpv4: 'not-ipv4',
  BadHeaderLength: 'bad-header-length',
  BadTotalLength: 'bad-total-length',
  BadHeaderChecksum: 'bad-header-checksum',
  NotIcmp: 'not-icmp',
  Fragment: 'fragment',
  NotEcho: 'not-echo',
  BadChecksum: 'bad-checksum',
} as const;
export type IcmpDecodeReason = (typeof IcmpDecodeReason)[keyof typeof IcmpDecodeReason];

export interface EchoFields {
  /** IPv4 source / destination, host order. */
  readonly src: number;
  readonly dst: number;
  /** Identifier and Sequence Number (RFC 792: "to aid in matching echos and replies"). */
  readonly id: number;
  readonly seq: number;
}

export interface EchoRequestSpec extends EchoFields {
  /** Octets of data after the ICMP header (default 56, as ping(8)). */
  readonly size?: number;
  readonly ttl?: number;
}

export interface EchoMessage extends EchoFields {
  readonly type: IcmpType;
  /** The echo data: a subarray of the input (no copy). */
  readonly data: Uint8Array;
}

/** RFC 1071 one's-complement sum of 16-bit words over b[start, end), folded and inverted. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8; // odd length: pad with a zero octet
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Writes an IPv4 header (no options) for `total` octets and fills in its checksum. */
function writeIpv4Header(b: Uint8Array, total: number, f: { src: number; dst: number; ident: number; ttl: number }): void {
  b[0] = 0x45; // version 4, IHL 5
  b[1] = 0; // TOS
  put16(b, 2, total);
  put16(b, 4, f.ident & 0xffff);
  put16(b, 6, 0); // no fragmentation flags: the tunnel MTU is the peer's business
  b[8] = f.ttl;
  b[9] = IPPROTO_ICMP;
  put16(b, 10, 0);
  put32(b, 12, f.src);
  put32(b, 16, f.dst);
  put16(b, 10, internetChecksum(b, 0, IPV4_HEADER_LENGTH));
}

/** Writes an ICMP echo message (type, code 0, id, seq, data already in place) and its checksum. */
function writeEcho(b: Uint8Array, type: IcmpType, id: number, seq: number, end: number): void {
  const o = IPV4_HEADER_LENGTH;
  b[o] = type;
  b[o + 1] = 0;
  put16(b, o + 2, 0);
  put16(b, o + 4, id & 0xffff);
  put16(b, o + 6, seq & 0xffff);
  put16(b, o + 2, internetChecksum(b, o, end));
}

/** A whole IPv4 datagram carrying an ICMP Echo (type 8). The data is a recognisable pattern. */
export function buildEchoRequest(spec: EchoRequestSpec): Buffer {
  const size = Math.max(0, Math.min(spec.size ?? 56, MAX_ECHO_PAYLOAD));
  const total = IPV4_HEADER_LENGTH + ICMP_ECHO_HEADER_LENGTH + size;
  const b = Buffer.allocUnsafe(total);
  const dataAt = IPV4_HEADER_LENGTH + ICMP_ECHO_HEADER_LENGTH;
  for (let i = 0; i < size; i++) b[dataAt + i] = (i + spec.seq) & 0xff;
  writeIpv4Header(b, total, { src: spec.src, dst: spec.dst, ident: spec.seq, ttl: spec.ttl ?? 64 });
  writeEcho(b, IcmpType.Echo, spec.id, spec.seq, total);
  return b;
}

/** The Echo Reply to an Echo Request (addresses swapped, same id/seq/data). */
export function buildEchoReply(req: EchoMessage): Buffer {
  const total = IPV4_HEADER_LENGTH + ICMP_ECHO_HEADER_LENGTH + req.data.length;
  const b = Buffer.allocUnsafe(total);
  b.set(req.data, IPV4_HEADER_LENGTH + ICMP_ECHO_HEADER_LENGTH);
  writeIpv4Header(b, total, { src: req.dst, dst: req.src, ident: req.seq, ttl: 64 });
  writeEcho(b, IcmpType.EchoReply, req.id, req.seq, total);
  return b;
}

function fail(reason: IcmpDecodeReason): DecodeError {
  return decodeError(FORMAT, reason);
}

/** Parses an IPv4 datagram that should be an ICMP Echo or Echo Reply; checks both checksums. */
export function parseEcho(b: Uint8Array): EchoMessage | DecodeError {
  if (b.length < IPV4_HEADER_LENGTH) return fail(IcmpDecodeReason.Truncated);
  if (b[0]! >> 4 !== 4) return fail(IcmpDecodeReason.NotIpv4);
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LENGTH || ihl > b.length) return fail(IcmpDecodeReason.BadHeaderLength);
  const total = get16(b, 2);
  if (total < ihl || total > b.length) return fail(IcmpDecodeReason.BadTotalLength);
  if (internetChecksum(b, 0, ihl) !== 0) return fail(IcmpDecodeReason.BadHeaderChecksum);
  if (b[9] !== IPPROTO_ICMP) return fail(IcmpDecodeReason.NotIcmp);
  if ((get16(b, 6) & 0x3fff) !== 0) return fail(IcmpDecodeReason.Fragment);
  if (total - ihl < ICMP_ECHO_HEADER_LENGTH) return fail(IcmpDecodeReason.Truncated);
  const type = b[ihl]!;
  if ((type !== IcmpType.Echo && type !== IcmpType.EchoReply) || b[ihl + 1] !== 0) return fail(IcmpDecodeReason.NotEcho);
  if (internetChecksum(b, ihl, total) !== 0) return fail(IcmpDecodeReason.BadChecksum);
  return {
    type,
    src: get32(b, 12),
    dst: get32(b, 16),
    id: get16(b, ihl + 4),
    seq: get16(b, ihl + 6),
    data: b.subarray(ihl + ICMP_ECHO_HEADER_LENGTH, total),
  };
}
