// IPv4/UDP packets for the benchmark's load (RFC 791 header checksum, UDP checksum 0 as
// RFC 768 allows): the payload starts with a marker and a 32-bit id, so an echoed packet
// can be matched to the request that caused it.
import { ipv4FromString } from '../../../server/gre/ipv4.js';

const MARKER = 0x70707464; // "pptd"
const IP_HEADER = 20;
const UDP_HEADER = 8;

function checksum(b: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A `size`-byte IPv4/UDP packet (size ≥ 36) from src:sport to dst:dport carrying `id`. */
export function buildUdp(src: string, dst: string, sport: number, dport: number, size: number, id: number): Buffer {
  const s = ipv4FromString(src);
  const d = ipv4FromString(dst);
  if (s === undefined || d === undefined) throw new Error(`bad address ${src} or ${dst}`);
  const b = Buffer.alloc(Math.max(size, IP_HEADER + UDP_HEADER + 8));
  b[0] = 0x45;
  b.writeUInt16BE(b.length, 2);
  b[8] = 64; // TTL
  b[9] = 17; // UDP
  b.writeUInt32BE(s >>> 0, 12);
  b.writeUInt32BE(d >>> 0, 16);
  b.writeUInt16BE(checksum(b, 0, IP_HEADER), 10);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  b.writeUInt16BE(b.length - IP_HEADER, 24);
  b.writeUInt32BE(MARKER, 28);
  b.writeUInt32BE(id >>> 0, 32);
  return b;
}

/** The id of an IPv4/UDP packet built by buildUdp (or echoed back), else undefined. */
export function parseUdpEcho(p: Buffer): number | undefined {
  if (p.length < 36 || p[0] !== 0x45 || p[9] !== 17) return undefined;
  if (p.readUInt32BE(28) !== MARKER) return undefined;
  return p.readUInt32BE(32);
}
