// Building requests and checking replies, without sockets (sans-I/O).
//
// Requests are encoded by the `radius` codec. An Access-Request carries a
// Message-Authenticator (RFC 3579 §3.2) as its FIRST attribute, as the
// BlastRADIUS advisory (CVE-2024-3596) recommends, computed here over the whole
// packet. An Accounting-Request gets the codec's MD5 Request Authenticator
// (RFC 2866 §3) and no Message-Authenticator.
//
// Replies are checked here byte by byte, in this order, and a reply failing any
// step is refused (the caller drops it and keeps waiting, as RFC 2865 §3 says
// to "silently discard" it):
//   1. Length field: 20 ≤ Length ≤ datagram size and ≤ 4096 (RFC 2865 §3).
//   2. Code answers the request's code (Access-Accept/Reject/Challenge or
//      Accounting-Response).
//   3. Response Authenticator = MD5(Code‖ID‖Length‖RequestAuth‖Attributes‖Secret).
//   4. The attributes are well formed (attributes.ts).
//   5. Message-Authenticator, when present: exactly one, 18 octets, equal to
//      HMAC-MD5(Secret, Code‖ID‖Length‖RequestAuth‖Attributes with it zeroed).
//      When absent and the request carried one, refused if `requireMessageAuthenticator`.
// The caller matches the Identifier (and the source address) before this.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import radius from 'radius';
import { ErrorCode, isDecodeError, PptpdError } from '../errors.js';
import { readAttributes, type RadiusAttribute, type ReceivedAttribute } from './attributes.js';
import {
  Attr,
  AUTHENTICATOR_LENGTH,
  AUTHENTICATOR_OFFSET,
  CODE_NAMES,
  HEADER_LENGTH,
  MAX_PACKET_LENGTH,
  MESSAGE_AUTHENTICATOR_LENGTH,
  REPLY_CODES,
  RequestCodeName,
} from './constants.js';
import { ensureRadiusDictionary } from './dictionary.js';

export interface EncodedRequest {
  readonly code: number;
  readonly identifier: number;
  readonly packet: Buffer;
  /** The Request Authenticator, needed to check the reply and to decrypt keys in it. */
  readonly authenticator: Buffer;
  readonly hasMessageAuthenticator: boolean;
}

export interface EncodeArgs {
  readonly code: RequestCodeName;
  readonly identifier: number;
  readonly secret: string;
  /**
   * Attributes in the codec's tuple form. A function receives the Request
   * Authenticator first (Access-Request only; it is random and chosen before
   * encoding), for values hidden with it such as User-Password.
   */
  readonly attributes: readonly RadiusAttribute[] | ((requestAuthenticator: Buffer) => readonly RadiusAttribute[]);
  /** Add Message-Authenticator (Access-Request only). Default true. */
  readonly messageAuthenticator?: boolean;
  /** Fixed Request Authenticator for Access-Request (tests); default 16 random octets. */
  readonly authenticator?: Buffer;
}

const ZERO_MA = Buffer.alloc(MESSAGE_AUTHENTICATOR_LENGTH);
/** Where the value of a first-position Message-Authenticator sits. */
const FIRST_ATTR_VALUE = HEADER_LENGTH + 2;

export function encodeRequest(args: EncodeArgs): EncodedRequest {
  ensureRadiusDictionary();
  const code = RequestCodeName[args.code];
  if (code === undefined) throw new PptpdError(ErrorCode.STATE, `cannot send RADIUS code ${String(args.code)}`);
  if (!Number.isInteger(args.identifier) || args.identifier < 0 || args.identifier > 255) {
    throw new PptpdError(ErrorCode.STATE, `RADIUS identifier ${args.identifier} out of range`);
  }
  const isAccess = args.code === 'Access-Request';
  const random = isAccess ? (args.authenticator ?? randomBytes(AUTHENTICATOR_LENGTH)) : undefined;
  const attrs = typeof args.attributes === 'function' ? args.attributes(random ?? Buffer.alloc(AUTHENTICATOR_LENGTH)) : args.attributes;
  const withMa = isAccess && args.messageAuthenticator !== false;
  const list = withMa ? [['Message-Authenticator', ZERO_MA], ...attrs] : [...attrs];
  let packet: Buffer;
  try {
    // The codec's types lack `authenticator`; it is part of its documented encode() arguments.
    const encodeArgs = { code: args.code, identifier: args.identifier, secret: args.secret, attributes: list, add_message_authenticator: false, ...(random !== undefined ? { authenticator: random } : {}) };
    packet = radius.encode(encodeArgs as Parameters<typeof radius.encode>[0]);
  } catch (err) {
    throw new PptpdError(ErrorCode.STATE, `cannot encode RADIUS ${args.code}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (packet.length > MAX_PACKET_LENGTH) {
    throw new PptpdError(ErrorCode.STATE, `RADIUS ${args.code} of ${packet.length} octets exceeds ${MAX_PACKET_LENGTH}`);
  }
  if (withMa) {
    // RFC 3579 §3.2: HMAC-MD5 over the packet with the Message-Authenticator value zero.
    if (packet[HEADER_LENGTH] !== Attr.MESSAGE_AUTHENTICATOR || packet[HEADER_LENGTH + 1] !== 2 + MESSAGE_AUTHENTICATOR_LENGTH) {
      throw new PptpdError(ErrorCode.STATE, 'Message-Authenticator was not encoded first');
    }
    createHmac('md5', args.secret).update(packet).digest().copy(packet, FIRST_ATTR_VALUE);
  }
  return {
    code,
    identifier: args.identifier,
    packet,
    authenticator: Buffer.from(packet.subarray(AUTHENTICATOR_OFFSET, AUTHENTICATOR_OFFSET + AUTHENTICATOR_LENGTH)),
    hasMessageAuthenticator: withMa,
  };
}

export type ReplyCheck =
  | {
      readonly ok: true;
      readonly code: number;
      readonly codeName: string;
      readonly identifier: number;
      /** The packet up to its Length field. */
      readonly packet: Buffer;
      readonly attributes: readonly ReceivedAttribute[];
    }
  | { readonly ok: false; readonly reason: string };

/** Checks a reply to `request`; see the steps at the top of this file. Never throws on network input. */
export function checkReply(reply: Buffer, request: EncodedRequest, secret: string, requireMessageAuthenticator: boolean): ReplyCheck {
  if (reply.length < HEADER_LENGTH) return refuse(`reply of ${reply.length} octets is shorter than a header`);
  const length = reply.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > reply.length || length > MAX_PACKET_LENGTH) {
    return refuse(`Length field ${length} does not fit a datagram of ${reply.length} octets`);
  }
  const packet = reply.subarray(0, length);
  const code = packet[0]!;
  if (!(REPLY_CODES[request.code] ?? []).includes(code)) return refuse(`code ${code} does not answer ${CODE_NAMES[request.code]}`);
  if (packet[1] !== request.identifier) return refuse(`identifier ${packet[1]} is not ${request.identifier}`);

  const secretBytes = Buffer.from(secret, 'utf8');
  // RFC 2865 §3 Response Authenticator.
  const expected = createHash('md5')
    .update(packet.subarray(0, AUTHENTICATOR_OFFSET))
    .update(request.authenticator)
    .update(packet.subarray(HEADER_LENGTH))
    .update(secretBytes)
    .digest();
  if (!timingSafeEqual(expected, packet.subarray(AUTHENTICATOR_OFFSET, HEADER_LENGTH))) {
    return refuse('bad Response Authenticator (wrong shared secret, or not from the server)');
  }
  const attributes = readAttributes(packet, length);
  if (isDecodeError(attributes)) return refuse(`malformed attributes: ${attributes.reason}`);

  const maCheck = checkMessageAuthenticator(packet, request.authenticator, secretBytes);
  if (maCheck === 'bad') return refuse('bad Message-Authenticator');
  if (maCheck === 'absent' && request.hasMessageAuthenticator && requireMessageAuthenticator) {
    return refuse('no Message-Authenticator in the reply (required for this server: CVE-2024-3596)');
  }
  return { ok: true, code, codeName: CODE_NAMES[code] ?? String(code), identifier: packet[1]!, packet, attributes };
}

/** 'ok', 'absent' or 'bad' (wrong value, wrong length, or more than one). */
function checkMessageAuthenticator(packet: Buffer, requestAuthenticator: Buffer, secret: Buffer): 'ok' | 'absent' | 'bad' {
  let at = -1;
  for (let off = HEADER_LENGTH; off + 2 <= packet.length; off += packet[off + 1]!) {
    if (packet[off + 1]! < 2) return 'bad'; // readAttributes already refused this; be safe
    if (packet[off] !== Attr.MESSAGE_AUTHENTICATOR) continue;
    if (at !== -1 || packet[off + 1] !== 2 + MESSAGE_AUTHENTICATOR_LENGTH) return 'bad';
    at = off + 2;
  }
  if (at === -1) return 'absent';
  const mac = createHmac('md5', secret)
    .update(packet.subarray(0, AUTHENTICATOR_OFFSET))
    .update(requestAuthenticator)
    .update(packet.subarray(HEADER_LENGTH, at))
    .update(ZERO_MA)
    .update(packet.subarray(at + MESSAGE_AUTHENTICATOR_LENGTH))
    .digest();
  return timingSafeEqual(mac, packet.subarray(at, at + MESSAGE_AUTHENTICATOR_LENGTH)) ? 'ok' : 'bad';
}

function refuse(reason: string): ReplyCheck {
  return { ok: false, reason };
}
