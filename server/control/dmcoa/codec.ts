// RFC 5176 Dynamic Authorization packets (Disconnect-Request/ACK/NAK, CoA-Request/ACK/NAK),
// sans-I/O. Decoding never throws and never reads past the buffer: bad input from the
// network is a DecodeError value, and the caller silently discards the packet.
//
// Checks on a request, in order (RFC 5176 §2.3 and §3.5, RFC 2865 §3):
//   1. 20 ≤ Length ≤ datagram size and ≤ 4096; extra octets past Length are ignored.
//   2. Code is Disconnect-Request (40) or CoA-Request (43).
//   3. Attributes are well-formed TLVs (each Length ≥ 2, none past the packet).
//   4. Request Authenticator = MD5(Code‖Identifier‖Length‖16 zero octets‖Attributes‖Secret),
//      computed like an Accounting-Request's (RFC 2866 §3).
//   5. Message-Authenticator, when present: exactly one, 16 octets of value, equal to
//      HMAC-MD5(Secret, packet with the Request Authenticator field AND the attribute's
//      value zeroed) — the sender computes it before the Request Authenticator, which
//      covers it. Missing while required → refused.
// A reply's Response Authenticator is MD5(Code‖Identifier‖Length‖Request Authenticator‖
// Attributes‖Secret); its Message-Authenticator, when added, is computed first, over the
// reply with the request's authenticator in the field (RFC 5176 §3.5, RFC 3579 §3.2).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { decodeError, type DecodeError } from '../../errors.js';

export const DynAuthCode = {
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;
export type DynAuthCode = (typeof DynAuthCode)[keyof typeof DynAuthCode];
export type DynAuthRequestCode = typeof DynAuthCode.DisconnectRequest | typeof DynAuthCode.CoaRequest;

/** RADIUS attribute types this module reads or writes (RFC 2865/2866/2869/5176). */
export const Attr = {
  UserName: 1,
  NasIpAddress: 4,
  NasPort: 5,
  ServiceType: 6,
  FramedIpAddress: 8,
  VendorSpecific: 26,
  SessionTimeout: 27,
  IdleTimeout: 28,
  CallingStationId: 31,
  NasIdentifier: 32,
  ProxyState: 33,
  AcctSessionId: 44,
  AcctTerminateCause: 49,
  EventTimestamp: 55,
  MessageAuthenticator: 80,
  NasIpv6Address: 95,
  ErrorCause: 101,
} as const;

/** RFC 5176 §3.6 Error-Cause values used here. */
export const ErrorCause = {
  ResidualSessionContextRemoved: 201,
  UnsupportedAttribute: 401,
  MissingAttribute: 402,
  NasIdentificationMismatch: 403,
  InvalidRequest: 404,
  UnsupportedService: 405,
  InvalidAttributeValue: 407,
  AdministrativelyProhibited: 501,
  SessionContextNotFound: 503,
} as const;
export type ErrorCause = (typeof ErrorCause)[keyof typeof ErrorCause];

export const HEADER_LENGTH = 20;
export const MAX_PACKET_LENGTH = 4096;
const AUTH_OFFSET = 4;
const AUTH_LENGTH = 16;
const MA_LENGTH = 16;

export interface Attribute {
  readonly type: number;
  /** A view into the received packet (copy before keeping it). */
  readonly value: Buffer;
}

export interface DynAuthRequest {
  readonly code: DynAuthRequestCode;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly Attribute[];
  readonly hasMessageAuthenticator: boolean;
}

const FORMAT = 'radius-dynauth';

/** Header + TLVs, no secret checks. Returns the attributes and where each value starts. */
export function parseAttributes(packet: Buffer, length: number): { attrs: Attribute[]; offsets: number[] } | DecodeError {
  const attrs: Attribute[] = [];
  const offsets: number[] = [];
  let off = HEADER_LENGTH;
  while (off < length) {
    if (off + 2 > length) return decodeError(FORMAT, `truncated attribute header at offset ${off}`);
    const type = packet[off]!;
    const len = packet[off + 1]!;
    if (len < 2) return decodeError(FORMAT, `attribute ${type} has length ${len} (< 2)`);
    if (off + len > length) return decodeError(FORMAT, `attribute ${type} runs past the packet (offset ${off}, length ${len})`);
    attrs.push({ type, value: packet.subarray(off + 2, off + len) });
    offsets.push(off + 2);
    off += len;
  }
  return { attrs, offsets };
}

function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Peeks at Code and Identifier (for logging and duplicate detection) without trusting anything. */
export function peekHeader(packet: Buffer): { code: number; identifier: number } | undefined {
  return packet.length >= HEADER_LENGTH ? { code: packet[0]!, identifier: packet[1]! } : undefined;
}

/**
 * Decodes and authenticates a Disconnect-Request or CoA-Request with `secret`.
 * `requireMessageAuthenticator` refuses a request that has none.
 */
export function decodeDynAuthRequest(
  packet: Buffer,
  secret: string,
  requireMessageAuthenticator: boolean,
): DynAuthRequest | DecodeError {
  if (packet.length < HEADER_LENGTH) return decodeError(FORMAT, `datagram of ${packet.length} octets is shorter than a RADIUS header`);
  const length = packet.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > packet.length || length > MAX_PACKET_LENGTH) {
    return decodeError(FORMAT, `Length field ${length} is invalid for a ${packet.length}-octet datagram`);
  }
  const code = packet[0]!;
  if (code !== DynAuthCode.DisconnectRequest && code !== DynAuthCode.CoaRequest) {
    return decodeError(FORMAT, `code ${code} is not Disconnect-Request (40) or CoA-Request (43)`);
  }
  const parsed = parseAttributes(packet, length);
  if ('kind' in parsed) return parsed;
  const pkt = packet.subarray(0, length);
  const sec = Buffer.from(secret, 'utf8');
  const authenticator = pkt.subarray(AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH);
  // 4. Request Authenticator (RFC 5176 §2.3 / RFC 2866 §3).
  const expected = md5(pkt.subarray(0, AUTH_OFFSET), ZERO16, pkt.subarray(HEADER_LENGTH), sec);
  if (!timingSafeEqual(expected, authenticator)) return decodeError(FORMAT, 'Request Authenticator mismatch (wrong shared secret?)');
  // 5. Message-Authenticator (RFC 5176 §3.5).
  let maIndex = -1;
  for (let i = 0; i < parsed.attrs.length; i++) {
    if (parsed.attrs[i]!.type !== Attr.MessageAuthenticator) continue;
    if (maIndex >= 0) return decodeError(FORMAT, 'more than one Message-Authenticator');
    maIndex = i;
  }
  if (maIndex < 0) {
    if (requireMessageAuthenticator) return decodeError(FORMAT, 'Message-Authenticator missing and required');
  } else {
    const ma = parsed.attrs[maIndex]!.value;
    if (ma.length !== MA_LENGTH) return decodeError(FORMAT, `Message-Authenticator of ${ma.length} octets`);
    const copy = Buffer.from(pkt);
    copy.fill(0, AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH);
    const at = parsed.offsets[maIndex]!;
    copy.fill(0, at, at + MA_LENGTH);
    const want = createHmac('md5', sec).update(copy).digest();
    if (!timingSafeEqual(want, ma)) return decodeError(FORMAT, 'Message-Authenticator mismatch');
  }
  return {
    code,
    identifier: pkt[1]!,
    authenticator,
    attributes: parsed.attrs,
    hasMessageAuthenticator: maIndex >= 0,
  };
}

export interface ReplyArgs {
  readonly code: DynAuthCode;
  readonly identifier: number;
  readonly requestAuthenticator: Buffer;
  /** In order; Proxy-State attributes of the request go here unmodified (RFC 5176 §3). */
  readonly attributes: readonly Attribute[];
  readonly secret: string;
  /** Add a Message-Authenticator (first attribute). */
  readonly messageAuthenticator: boolean;
}

/** Encodes an ACK or NAK answering a request with `requestAuthenticator`. */
export function encodeDynAuthReply(a: ReplyArgs): Buffer {
  let length = HEADER_LENGTH + (a.messageAuthenticator ? 2 + MA_LENGTH : 0);
  for (const at of a.attributes) {
    if (at.value.length > 253) throw new RangeError(`attribute ${at.type} value of ${at.value.length} octets exceeds 253`);
    length += 2 + at.value.length;
  }
  if (length > MAX_PACKET_LENGTH) throw new RangeError(`reply of ${length} octets exceeds ${MAX_PACKET_LENGTH}`);
  const out = Buffer.alloc(length);
  out[0] = a.code;
  out[1] = a.identifier;
  out.writeUInt16BE(length, 2);
  a.requestAuthenticator.copy(out, AUTH_OFFSET, 0, AUTH_LENGTH);
  let off = HEADER_LENGTH;
  let maAt = -1;
  if (a.messageAuthenticator) {
    out[off] = Attr.MessageAuthenticator;
    out[off + 1] = 2 + MA_LENGTH;
    maAt = off + 2;
    off += 2 + MA_LENGTH;
  }
  for (const at of a.attributes) {
    out[off] = at.type;
    out[off + 1] = 2 + at.value.length;
    at.value.copy(out, off + 2);
    off += 2 + at.value.length;
  }
  const sec = Buffer.from(a.secret, 'utf8');
  if (maAt >= 0) createHmac('md5', sec).update(out).digest().copy(out, maAt);
  md5(out, sec).copy(out, AUTH_OFFSET);
  return out;
}

/**
 * Encodes a request the way a Dynamic Authorization Client does (tests, tools): the
 * Message-Authenticator over the packet with a zero authenticator, then the
 * Request Authenticator over everything.
 */
export function encodeDynAuthRequest(a: Omit<ReplyArgs, 'requestAuthenticator'> & { code: DynAuthRequestCode }): Buffer {
  const out = encodeDynAuthReply({ ...a, requestAuthenticator: ZERO16, secret: a.secret });
  // encodeDynAuthReply put MD5(packet with zero RA ‖ secret) in the field — exactly the
  // Request Authenticator (RFC 2866 §3), and its HMAC was computed over the zero RA.
  return out;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

const ZERO16 = Buffer.alloc(AUTH_LENGTH);
