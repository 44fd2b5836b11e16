// A raw IPPROTO_GRE socket on Linux delivers each datagram with its IPv4 header
// (RFC 791 §3.1), already reassembled. This strips it: the source address tells
// which peer sent the GRE packet (GRE is demultiplexed by peer + Call ID).

import { decodeError, type DecodeError } from '../errors.js';
import { IPPROTO_GRE } from './codec.js';

export const FORMAT = 'ipv4';

export const Ipv4DecodeReason = {
  Truncated: 'truncated',
  NotIpv4: 'not-ipv4',
  BadHeaderLength: 'bad-header-length',
  BadTotalLength: 'bad-total-length',
  NotGre: 'not-gre',
  Fragment: 'fragment',
} as const;
export type Ipv4DecodeReason = (typeof Ipv4DecodeReason)[keyof typeof Ipv4DecodeReason];

export interface Ipv4Gre {
  /** Source address as an unsigned 32-bit number (no string per packet). */
  readonly source: number;
  readonly destination: number;
  /** The GRE packet: a subarray of the input, cut at the IPv4 Total Length. */
  readonly gre: Uint8Array;
}

function fail(reason: Ipv4DecodeReason): DecodeError {
  return decodeError(FORMAT, reason);
}

/** Strip the IPv4 header of a GRE datagram. */
export function stripIpv4(b: Uint8Array): Ipv4Gre | DecodeError {
  if (b.length < 20) return fail(Ipv4DecodeReason.Truncated);
  if (b[0]! >> 4 !== 4) return fail(Ipv4DecodeReason.NotIpv4);
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < 20 || ihl > b.length) return fail(Ipv4DecodeReason.BadHeaderLength);
  const total = (b[2]! << 8) | b[3]!;
  if (total < ihl || total > b.length) return fail(Ipv4DecodeReason.BadTotalLength);
  if (b[9] !== IPPROTO_GRE) return fail(Ipv4DecodeReason.NotGre);
  // More Fragments set or a non-zero Fragment Offset: only part of a GRE packet.
  if ((((b[6]! << 8) | b[7]!) & 0x3fff) !== 0) return fail(Ipv4DecodeReason.Fragment);
  return {
    source: ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0,
    destination: ((b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!) >>> 0,
    gre: b.subarray(ihl, total),
  };
}

/** Dotted-quad text of a 32-bit address (for logs, not per packet). */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/**
 * 32-bit number of a dotted-quad address (four parts of 1–3 ASCII digits, each ≤ 255);
 * undefined if it is not one. Scans character codes rather than splitting and matching a
 * regex per part: every session set-up parses its addresses a few times (admission,
 * setNetwork, the pool).
 */
export function ipv4FromString(s: string): number | undefined {
  const len = s.length;
  if (len < 7 || len > 15) return undefined;
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      part = part * 10 + (c - 0x30);
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}
