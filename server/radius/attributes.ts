// Attributes, both ways.
//
// Sending: `RadiusAttribute` is the `radius` codec's tuple form, `[name, value]`
// or `['Vendor-Specific', vendor, [[name, value], …]]`. `msAttr()` makes one
// Microsoft VSA per attribute (the codec would otherwise pack several
// sub-attributes into one VSA, which RFC 2865 §5.26 allows but some servers
// mishandle).
//
// Reading: `readAttributes()` walks the attribute area of a received packet
// itself, by number, with every length checked (RFC 2865 §5: Length ≥ 2 and
// inside the packet; RFC 2865 §5.26: Vendor-Id then Vendor-Type/Length/Value).
// It returns a DecodeError value for malformed input and never throws, and it
// does not depend on the codec's process-wide dictionary (whose VALUE names
// change with what else is loaded). Values are views into the packet.

import { decodeError, type DecodeError } from '../errors.js';
import { Attr, HEADER_LENGTH, VENDOR_MICROSOFT } from './constants.js';

export type RadiusValue = string | number | Buffer | Date;
export type RadiusAttribute =
  | readonly [name: string | number, value: RadiusValue]
  | readonly [name: 'Vendor-Specific', vendor: number | string, attributes: readonly RadiusAttribute[]];

/** One Microsoft (vendor 311) attribute in a VSA of its own. */
export function msAttr(name: string, value: RadiusValue): RadiusAttribute {
  return ['Vendor-Specific', VENDOR_MICROSOFT, [[name, value]]];
}

/** RFC 2865 §5: a string attribute's value holds at most 253 octets. */
export const MAX_STRING_OCTETS = 253;

/**
 * `s` cut to at most `max` UTF-8 octets at a character boundary (never a half character,
 * which would decode to U+FFFD and grow again). For attributes where a shortened value is
 * still the truth (a long User-Name in accounting: the journal keeps it whole); never for
 * one a server decides on (an Access-Request's User-Name is refused instead).
 */
export function fitString(s: string, max: number = MAX_STRING_OCTETS): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  const b = Buffer.from(s, 'utf8');
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // back to the start of the character cut
  return b.subarray(0, end).toString('utf8');
}

/** A received attribute; `vendor` is set for a sub-attribute of a Vendor-Specific attribute. */
export interface ReceivedAttribute {
  readonly type: number;
  readonly vendor?: number;
  readonly value: Buffer;
}

/**
 * Walks `packet[HEADER_LENGTH, length)`. Vendor-Specific attributes whose
 * content parses as RFC 2865 §5.26 sub-attributes are split into them; a VSA
 * of another layout (allowed by the RFC) is kept whole with type 26.
 */
export function readAttributes(packet: Buffer, length: number = packet.length): ReceivedAttribute[] | DecodeError {
  if (length < HEADER_LENGTH || length > packet.length) return decodeError('radius', `packet length ${length} out of range`);
  const out: ReceivedAttribute[] = [];
  let off = HEADER_LENGTH;
  while (off < length) {
    if (length - off < 2) return decodeError('radius', `attribute header cut off at offset ${off}`);
    const type = packet[off]!;
    const len = packet[off + 1]!;
    if (len < 2 || off + len > length) return decodeError('radius', `attribute ${type} at offset ${off}: length ${len} does not fit`);
    const value = packet.subarray(off + 2, off + len);
    if (type === Attr.VENDOR_SPECIFIC && value.length >= 4) {
      const vendor = value.readUInt32BE(0);
      const subs = readVendorAttributes(value.subarray(4), vendor);
      if (subs !== null) out.push(...subs);
      else out.push({ type, value });
    } else {
      out.push({ type, value });
    }
    off += len;
  }
  return out;
}

/** RFC 2865 §5.26 suggested layout: Vendor-Type(1) Vendor-Length(1) Value. Null when it does not fit exactly. */
function readVendorAttributes(data: Buffer, vendor: number): ReceivedAttribute[] | null {
  const subs: ReceivedAttribute[] = [];
  let off = 0;
  while (off < data.length) {
    if (data.length - off < 2) return null;
    const len = data[off + 1]!;
    if (len < 2 || off + len > data.length) return null;
    subs.push({ type: data[off]!, vendor, value: data.subarray(off + 2, off + len) });
    off += len;
  }
  return subs.length > 0 ? subs : null;
}

/** The first attribute of a type (`vendor` for a VSA sub-attribute). */
export function first(attrs: readonly ReceivedAttribute[], type: number, vendor?: number): Buffer | undefined {
  for (const a of attrs) if (a.type === type && a.vendor === vendor) return a.value;
  return undefined;
}

/** Every attribute of a type, in packet order. */
export function all(attrs: readonly ReceivedAttribute[], type: number, vendor?: number): Buffer[] {
  const out: Buffer[] = [];
  for (const a of attrs) if (a.type === type && a.vendor === vendor) out.push(a.value);
  return out;
}

/** An `integer` attribute (RFC 2865 §5: 4 octets, network order); undefined when absent or not 4 octets. */
export function u32(attrs: readonly ReceivedAttribute[], type: number, vendor?: number): number | undefined {
  const v = first(attrs, type, vendor);
  return v !== undefined && v.length === 4 ? v.readUInt32BE(0) : undefined;
}

/** An `ipaddr` attribute as dotted quad; undefined when absent or not 4 octets. */
export function ipv4(attrs: readonly ReceivedAttribute[], type: number, vendor?: number): string | undefined {
  const v = first(attrs, type, vendor);
  return v !== undefined && v.length === 4 ? `${v[0]}.${v[1]}.${v[2]}.${v[3]}` : undefined;
}

/** A `string`/`text` attribute as UTF-8 (RFC 2865 §5: text is UTF-8). */
export function text(attrs: readonly ReceivedAttribute[], type: number, vendor?: number): string | undefined {
  return first(attrs, type, vendor)?.toString('utf8');
}
