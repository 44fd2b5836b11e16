// IPv4 addresses and PoPToP "ip-specification" lists (pptpd.conf(5) localip/remoteip).
//
// An ip-specification is a comma-separated list, no spaces, of items:
//   192.168.0.5              one address
//   192.168.0.234-238        a range in ONE octet (PoPToP; any octet: 192.168.0-3.2 is
//                            192.168.0.2, 192.168.1.2, 192.168.2.2, 192.168.3.2)
//   192.168.0.234-192.168.1.10   a full range (our extension; PoPToP rejects it)
// Each item becomes a Block {start, count, stride}: addresses start + i*stride for
// i < count, so a pool can index any slot in O(1) without expanding the list.
// Host names are refused: PoPToP resolved them at start, which hides mistakes.
import { ipv4FromString } from '../server/gre/ipv4.js';

/** An IPv4 address as an unsigned 32-bit number (network order value). */
export type Ipv4 = number;

export interface Block {
  /** First address of the block. */
  readonly start: Ipv4;
  /** Number of addresses (>= 1). */
  readonly count: number;
  /** Distance between consecutive addresses: 1, 256, 65536 or 16777216. */
  readonly stride: number;
  /** The item as written, for messages. */
  readonly text: string;
}

export type IpSpecResult =
  | { readonly ok: true; readonly blocks: readonly Block[]; readonly count: number }
  | { readonly ok: false; readonly error: string };

/** Largest pool we accept; beyond it a slot table would cost too much memory. */
export const MAX_SPEC_ADDRESSES = 1 << 20;


/**
 * Strict dotted quad. Leading zeros are refused: inet_addr(3) reads "010" as octal 8,
 * so "10.0.0.010" would not mean what it seems to mean.
 */
export function parseIpv4(text: string): Ipv4 | undefined {
  // Configuration is stricter than the wire: leading zeros (010 = octal to some tools) are refused.
  if (/(^|\.)0\d/.test(text)) return undefined;
  return ipv4FromString(text);
}

export { ipv4ToString as formatIpv4 } from '../server/gre/ipv4.js';

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

function octet(text: string): number | undefined {
  if (!/^\d{1,3}$/.test(text) || (text.length > 1 && text.startsWith('0'))) return undefined;
  const n = Number(text);
  return n <= 255 ? n : undefined;
}

/** One item of an ip-specification (no commas). */
export function parseIpSpecItem(item: string): Block | string {
  if (item === '') return 'empty item (two commas in a row, or a trailing comma)';
  if (/\s/.test(item)) return `"${item}" contains a space (PoPToP allows none inside a list)`;
  const dash = item.indexOf('-');
  if (dash < 0) {
    const a = parseIpv4(item);
    if (a === undefined) return `"${item}" is not an IPv4 address (host names are not resolved)`;
    return { start: a, count: 1, stride: 1, text: item };
  }
  if (item.indexOf('-', dash + 1) >= 0) return `"${item}" has more than one "-"`;
  const left = item.slice(0, dash);
  const right = item.slice(dash + 1);
  // Full form a.b.c.d-a.b.c.e.
  const fullEnd = parseIpv4(right);
  if (fullEnd !== undefined) {
    const start = parseIpv4(left);
    if (start === undefined) return `"${item}": "${left}" is not an IPv4 address`;
    if (fullEnd < start) return `"${item}": the range ends before it starts`;
    return sized({ start, count: fullEnd - start + 1, stride: 1, text: item });
  }
  // PoPToP form: the dash sits inside one octet, e.g. 192.168.0.234-238 or 192.168.0-3.2.
  const octets = item.split('.');
  if (octets.length !== 4) return `"${item}" is neither an address, a.b.c.d-e nor a.b.c.d-a.b.c.e`;
  const values: number[] = [];
  let rangeAt = -1;
  let hi = 0;
  for (let i = 0; i < 4; i++) {
    const part = octets[i] as string;
    const d = part.indexOf('-');
    const lo = octet(d < 0 ? part : part.slice(0, d));
    if (lo === undefined) return `"${item}": octet "${part}" is not a number from 0 to 255`;
    values.push(lo);
    if (d >= 0) {
      const h = octet(part.slice(d + 1));
      if (h === undefined) return `"${item}": octet "${part}" is not a range of numbers from 0 to 255`;
      if (h < lo) return `"${item}": the range ends before it starts (PoPToP has no shortcuts: write 234-238)`;
      rangeAt = i;
      hi = h;
    }
  }
  const stride = 2 ** (8 * (3 - rangeAt));
  const start = (((values[0] as number) * 256 + (values[1] as number)) * 256 + (values[2] as number)) * 256 + (values[3] as number);
  return sized({ start, count: hi - (values[rangeAt] as number) + 1, stride, text: item });
}

function sized(b: Block): Block | string {
  return b.count > MAX_SPEC_ADDRESSES ? `"${b.text}" holds ${b.count} addresses (at most ${MAX_SPEC_ADDRESSES})` : b;
}

/** A whole ip-specification: a string with commas, or a list of items (each may hold commas). */
export function parseIpSpec(spec: string | readonly string[]): IpSpecResult {
  const items = (typeof spec === 'string' ? [spec] : spec).flatMap((s) => s.trim().split(','));
  if (items.length === 0) return { ok: false, error: 'empty address list' };
  const blocks: Block[] = [];
  let count = 0;
  for (const item of items) {
    const b = parseIpSpecItem(item);
    if (typeof b === 'string') return { ok: false, error: b };
    blocks.push(b);
    count += b.count;
    if (count > MAX_SPEC_ADDRESSES) return { ok: false, error: `more than ${MAX_SPEC_ADDRESSES} addresses` };
  }
  return { ok: true, blocks, count };
}

/** The address at index `i` of a block list (0 <= i < total count). */
export function addressAt(blocks: readonly Block[], i: number): Ipv4 {
  let rest = i;
  for (const b of blocks) {
    if (rest < b.count) return b.start + rest * b.stride;
    rest -= b.count;
  }
  throw new RangeError(`index ${i} past the end of the address list`);
}

/** Every address of a block list, in order (bounded by MAX_SPEC_ADDRESSES). */
export function* addresses(blocks: readonly Block[]): Generator<Ipv4> {
  for (const b of blocks) for (let i = 0; i < b.count; i++) yield b.start + i * b.stride;
}

/** First address that appears twice, if any. */
export function firstDuplicate(blocks: readonly Block[]): Ipv4 | undefined {
  const seen = new Set<number>();
  for (const a of addresses(blocks)) {
    if (seen.has(a)) return a;
    seen.add(a);
  }
  return undefined;
}

/** IPv4 subnet "a.b.c.d/n" → base and mask, or undefined. */
export function parseCidr(text: string): { base: Ipv4; mask: number; bits: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpv4(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (addr === undefined || !/^\d{1,2}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits < 1 || bits > 32) return undefined;
  const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (addr & mask) >>> 0, mask, bits };
}
